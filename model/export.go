package model

// The helpers a design in package variants needs to write its version of
// a kernel function. They are the kernel's own primitives.

// Task returns task t of the state being changed.
func (c *Ctx) Task(t int) *Task { return &c.S.Task[t] }

// TryToWakeUp is try_to_wake_up(t, state): see ttwu.
func (c *Ctx) TryToWakeUp(t int, state uint16) bool { return c.ttwu(t, state) }

// TaskIsTraced is task_is_traced() as this design defines it.
func (c *Ctx) TaskIsTraced(t int) bool { return c.taskIsTraced(t) }

// Frozen is frozen(p) as this design defines it.
func (c *Ctx) Frozen(t int) bool { return c.frozen(t) }

// FatalSignalPending is __fatal_signal_pending(): SIGKILL in the private queue.
func (T *Task) FatalSignalPending() bool { return T.fatalSignalPending() }

// Alive: the task has not exited.
func (T *Task) Alive() bool { return T.alive() }
