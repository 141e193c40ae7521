package model

// The helpers a design in package variants needs to write its version of
// a kernel function are the exported methods of Ctx and Task (the
// kernel's own primitives: Sig, Threads, TaskSetJobctlPending,
// TaskIsTraced, ...) and the hooks in Kernel; this file has the few that
// have no other home.

// Task returns task t of the state being changed.
func (c *Ctx) Task(t int) *Task { return &c.S.Task[t] }
