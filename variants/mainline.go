package variants

func init() {
	register(&Variant{
		Name: "mainline", ID: "d3", Released: true,
		Summary: "v6.7+ (checked against v6.18): thaw restores saved_state; saved_state on every config",
		Source: `8f0eed4a78a8 "freezer,sched: Use saved_state to reduce some spurious wakeups" (v6.7), ` +
			`with 23ab79e8e469 and 418146e39891; f718faf3940e (frozen tasks show 'D', v6.13)`,
	})
}
