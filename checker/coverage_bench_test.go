package checker

import (
	"testing"

	"jobctl/model"
	"jobctl/scenario"
)

// BenchmarkCoverage is one check of scale-gstop-3t with and without
// coverage (Options.Coverage): the price of collecting it, per state.
func BenchmarkCoverage(b *testing.B) {
	sc, err := scenario.Parse("scale.jc", []byte(scaleFallback(3)))
	if err != nil {
		b.Fatal(err)
	}
	p, err := model.Compile(sc)
	if err != nil {
		b.Fatal(err)
	}
	m := model.NewMachine(model.Mainline(), p)
	for _, cover := range []bool{false, true} {
		name := "off"
		if cover {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			states := 0
			for b.Loop() {
				r, err := Check(m, Options{Workers: 1, Coverage: cover})
				if err != nil || r.Verdict != Pass {
					b.Fatalf("%v %v", err, r.Verdict)
				}
				if cover && r.Coverage.Count() < 20 {
					b.Fatalf("coverage %d points", r.Coverage.Count())
				}
				states = r.States
			}
			b.ReportMetric(float64(states)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
		})
	}
}
