package main

import (
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the rest of the run to path
// (check's hidden --cpuprofile, for measuring the checker: go tool pprof
// jobctl path). The returned function ends the profile.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
