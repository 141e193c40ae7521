package main

import (
	"jobctl/model"
	"jobctl/render"
)

// jsonStep is one step of a trace in JSON: who stepped, the kernel
// function and the step within it, the schedule token that replays it, the
// effects a race diagram draws under it, every field it changed (the
// model's bookkeeping included), and the properties it is the first to
// violate.
type jsonStep struct {
	Actor    string       `json:"actor"`
	Token    string       `json:"token"`
	Function string       `json:"function"`
	Step     string       `json:"step"`
	Effects  []string     `json:"effects"`
	Changes  []jsonChange `json:"changes"`
	Violates []string     `json:"violates"`
}

// jsonChange is a model.Change.
type jsonChange struct {
	Who   string `json:"who"`
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// jsonSteps renders a race's steps.
func jsonSteps(race *render.Race) []jsonStep {
	out := []jsonStep{}
	for _, st := range race.Steps {
		fn, step := render.SplitLabel(st.Label)
		js := jsonStep{Actor: race.Actors[st.Actor], Token: st.Token, Function: fn, Step: step,
			Effects: append([]string{}, st.Effects...), Changes: jsonChanges(st.Changes), Violates: append([]string{}, st.Marks...)}
		if js.Token == "" {
			js.Token = js.Actor
		}
		out = append(out, js)
	}
	return out
}

func jsonChanges(cs []model.Change) []jsonChange {
	out := []jsonChange{}
	for _, c := range cs {
		out = append(out, jsonChange{c.Who, c.Field, c.From, c.To})
	}
	return out
}
