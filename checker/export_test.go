package checker

// SplitEverything makes the level's end share out every pass, however
// small, until the returned func is called.
func SplitEverything() (restore func()) {
	old := minParallel
	minParallel = 1
	return func() { minParallel = old }
}
