package checker

import "testing"

// BenchmarkCoverage is one check of scale-gstop-3t with and without
// coverage (Options.Coverage): the price of collecting it, per state.
func BenchmarkCoverage(b *testing.B) {
	m, _ := scaleMachine(b, 3)
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
