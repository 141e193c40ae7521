//go:build !unix

package checker

import "time"

// cpuTime is not measured here: the states/cpu-s metric is left out.
func cpuTime() time.Duration { return 0 }
