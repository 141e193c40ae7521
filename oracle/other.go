//go:build !linux

package oracle

import (
	"context"
	"fmt"

	"jobctl/scenario"
)

// HelperMain: there are no helper modes off Linux.
func HelperMain() bool { return false }

func run(ctx context.Context, sc *scenario.Scenario, opt Options) (Outcome, error) {
	return Outcome{}, fmt.Errorf("the oracle runs on Linux only")
}

func cleanup() ([]string, error) { return nil, nil }

// haveSigHandler: no tracee runs off Linux.
const haveSigHandler = false
