// Package variants holds the kernel designs (docs/DESIGNS.md) side by side. Each
// design is one file that derives from another and replaces only the
// constants and kernel functions that differ (model.Kernel's fields).
//
//	mainline (d3, v6.7+)  the reference, model.Mainline()
//	├─ v6.7-rc1 (d3-orig) thaw restores saved_state unguarded, never clears it
//	└─ v6.1 (d2)          TASK_FROZEN freezer, thaw restores from jobctl
//	   ├─ v6.1.y (d2.y)   6.1.123+: /proc reads a frozen task as 'D'
//	   ├─ v6.6 (d2+)      wait_task_inactive() also matches saved_state
//	   └─ v5.19 (d1)      jobctl rework, old freezer
//	      └─ v5.18 (a)    special state only in __state
//	         └─ peterz-v2 (b0)       Peter's v2 1/5: clear on wakeup success
//	            ├─ peterz-v1-thaw (b1) with v1 5/5's fatal-aware thaw
//	            └─ ebiederm (c)      Eric's proposal (LKML, 2022-04-26)
//	               └─ ebiederm-fixed (c+) with ptrace_stop's early return
//
// PREEMPT_RT is a switch (model.Kernel.RT) that applies to every design.
//
// Every design has the cgroup v2 freezer (76f969e8948d, v5.2) as
// model/cgroup_v2.go writes it: no patch here touched it. Only its trap's
// sleep differs, with the freezer it sits on: freezable_schedule() in
// TASK_INTERRUPTIBLE with the old freezer (OldFreezer: v5.18, v5.19),
// TASK_INTERRUPTIBLE|TASK_FREEZABLE and schedule() since f5d39b020809
// (v6.1), and what a v1 thaw does to it is the design's ThawTask.
package variants

import (
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"

	"jobctl/model"
)

// Variant is one kernel design.
type Variant struct {
	Name    string // the CLI name
	ID      string // the short id (docs/DESIGNS.md): family letter, generation digit
	Base    string // the design it derives from ("" for mainline)
	Summary string // one line
	Source  string // the patch, commit or LKML message
	// Released: the design shipped in a kernel, so the oracle can run it.
	Released bool
	// Apply changes a copy of the base design into this one.
	Apply func(k *model.Kernel)
}

var registry = map[string]*Variant{}
var order []string

func register(v *Variant) {
	if _, dup := registry[v.Name]; dup {
		panic("variants: " + v.Name + " registered twice")
	}
	registry[v.Name] = v
	order = append(order, v.Name)
}

// historical is the order in which designs are listed: oldest first.
var historical = []string{"v5.18", "peterz-v2", "peterz-v1-thaw", "ebiederm", "ebiederm-fixed", "v5.19", "v6.1", "v6.1.y", "v6.6", "v6.7-rc1", "mainline"}

// All returns every design, oldest first.
func All() []*Variant {
	var out []*Variant
	seen := map[string]bool{}
	for _, n := range historical {
		if v, ok := registry[n]; ok {
			out = append(out, v)
			seen[n] = true
		}
	}
	var rest []string
	for _, n := range order {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	for _, n := range rest {
		out = append(out, registry[n])
	}
	return out
}

// Names returns the names of All().
func Names() []string {
	var out []string
	for _, v := range All() {
		out = append(out, v.Name)
	}
	return out
}

// Get returns the named design; it also accepts short ids ("b0", "d3").
func Get(name string) (*Variant, error) {
	if v, ok := registry[name]; ok {
		return v, nil
	}
	for _, v := range registry {
		if strings.EqualFold(v.ID, name) {
			return v, nil
		}
	}
	return nil, fmt.Errorf("unknown variant %q (want one of: %s)", name, strings.Join(Names(), ", "))
}

// Kernel builds the design: its base chain applied in order from mainline.
func (v *Variant) Kernel(rt bool) *model.Kernel {
	var k *model.Kernel
	if v.Base == "" {
		k = model.Mainline()
	} else {
		k = registry[v.Base].Kernel(false)
	}
	if v.Apply != nil {
		v.Apply(k)
	}
	k.Name = v.Name
	k.RT = rt
	return k
}

// Diff lists the constants and kernel functions in which two designs
// differ, one line each: "Field: a=... b=...".
func Diff(a, b *Variant) []string {
	ka, kb := reflect.ValueOf(*a.Kernel(false)), reflect.ValueOf(*b.Kernel(false))
	t := ka.Type()
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Name == "Name" || f.Name == "RT" {
			continue
		}
		va, vb := describeField(f.Name, ka.Field(i)), describeField(f.Name, kb.Field(i))
		if va != vb {
			out = append(out, fmt.Sprintf("%-22s %s: %s\n%-22s %s: %s", f.Name, a.Name, va, "", b.Name, vb))
		}
	}
	return out
}

// describeField renders a Kernel field, with the meaning of a zero where
// zero is special.
func describeField(name string, v reflect.Value) string {
	if v.Kind() != reflect.Func && v.IsZero() {
		switch name {
		case "CheckAttachMask":
			return "0 (any state: wait_task_inactive(child, 0))"
		case "PtraceFrozenBit":
			return "0 (none: the tracer rewrites __state instead)"
		}
	}
	return describe(v)
}

// describe renders a Kernel field: a function by its Go name (which names
// the kernel function and the design), a value as the kernel would write it.
func describe(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Func:
		if v.IsNil() {
			return "nil"
		}
		n := runtime.FuncForPC(v.Pointer()).Name()
		n = strings.TrimPrefix(n, "jobctl/")
		return n
	case reflect.Uint16:
		return fmt.Sprintf("%#x (%s)", v.Uint(), model.StateString(uint16(v.Uint())))
	case reflect.Uint32:
		return fmt.Sprintf("%#x (%s)", v.Uint(), model.JobctlString(uint32(v.Uint())))
	case reflect.Uint8:
		if v.Type().Name() == "WTIMatch" {
			return [...]string{"exact __state == match", "mask on __state", "mask, saved_state counts as queued"}[v.Uint()]
		}
		if v.Uint() >= 'A' && v.Uint() <= 'z' {
			return fmt.Sprintf("'%c'", rune(v.Uint()))
		}
	}
	return fmt.Sprint(v.Interface())
}

// ForKernelRelease picks the design that matches a running kernel's
// release string (uname -r); see ForKernel.
func ForKernelRelease(release string) (*Variant, error) {
	return ForKernel(release, "")
}

// ForKernel picks the design that matches a running kernel from its
// release (uname -r, /proc/sys/kernel/osrelease) and version (uname -v,
// /proc/sys/kernel/version; may be ""). The stable point release decides
// between the designs of one branch; see UpstreamVersion for where it is
// read from.
func ForKernel(release, version string) (*Variant, error) {
	major, minor, patch, err := UpstreamVersion(release, version)
	if err != nil {
		return nil, err
	}
	ver := major*1000 + minor
	switch {
	case ver >= 6007:
		return Get("mainline")
	case ver == 6006 && patch >= 102:
		// 6.6.102 took the v6.7+ freezer (8f0eed4a78a8 with
		// 23ab79e8e469 and 418146e39891, backported).
		return Get("mainline")
	case ver == 6006:
		return Get("v6.6")
	case ver == 6001 && patch >= 123:
		// 6.1.123 took f718faf3940e: a frozen task reads 'D'.
		return Get("v6.1.y")
	case ver >= 6001:
		return Get("v6.1")
	case ver >= 5019:
		return Get("v5.19")
	default:
		return Get("v5.18")
	}
}

// UpstreamVersion returns the upstream kernel version a running kernel is
// built from. It is the release's "X.Y.Z", except where a distribution
// keeps its ABI name there and the point release in the version string:
// Debian's "6.1.0-57-cloud-amd64" with "#1 SMP PREEMPT_DYNAMIC Debian
// 6.1.192-3 (2026-11-26)" is 6.1.192.
func UpstreamVersion(release, version string) (major, minor, patch int, err error) {
	if _, err := fmt.Sscanf(release, "%d.%d", &major, &minor); err != nil {
		return 0, 0, 0, fmt.Errorf("cannot read a kernel version from %q", release)
	}
	if _, err := fmt.Sscanf(release, "%d.%d.%d", &major, &minor, &patch); err != nil {
		patch = 0
	}
	if patch == 0 {
		if _, rest, ok := strings.Cut(version, " Debian "); ok {
			var dmaj, dmin, dpatch int
			if _, err := fmt.Sscanf(rest, "%d.%d.%d", &dmaj, &dmin, &dpatch); err == nil && dmaj == major && dmin == minor {
				patch = dpatch
			}
		}
	}
	return major, minor, patch, nil
}
