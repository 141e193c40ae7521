package main

import (
	"bytes"
	"strings"

	"jobctl/render/report"
	"jobctl/variants"
)

// writeHTMLReport writes the results of a check as one self-contained
// HTML page (check --html FILE), atomically.
func writeHTMLReport(path string, args []string, vs []*variants.Variant, rows [][]*cellResult) error {
	r := &report.Report{Command: "jobctl check " + strings.Join(args, " "), Summary: matrixSummary(rows)}
	r.Command = strings.TrimSpace(r.Command)
	for _, v := range vs {
		r.Variants = append(r.Variants, v.Name)
	}
	for _, row := range rows {
		if len(row) == 0 {
			continue
		}
		rr := report.Row{Scenario: row[0].sc, Name: scenarioName(row[0].sc)}
		for _, cr := range row {
			c := report.Cell{Variant: cr.v.Name, RT: cr.rt, Text: cellText(cr), Expected: expectText(cr.exp), Machine: cr.m, Result: cr.res}
			switch cr.status {
			case asExpected:
				c.Status = report.AsExpected
			case differs:
				c.Status = report.Differs
			case unknown:
				c.Status = report.Unknown
			default:
				c.Status = report.Failed
			}
			if cr.err != nil {
				c.Err = oneLine(cr.err.Error())
			}
			if cr.res == nil {
				c.Result = nil
			}
			rr.Cells = append(rr.Cells, c)
		}
		r.Rows = append(r.Rows, rr)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, r); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}
