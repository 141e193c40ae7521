/*
 * The Promela twin of jobctl's scale-gstop-Nt under the mainline design:
 * a group stop across N threads (S: kill G SIGSTOP, then kill G SIGCONT)
 * while the cgroup v1 freezer freezes and thaws the group (F: freeze G,
 * then thaw G). W is G's parent and has no script.
 *
 * It is written from jobctl's model (model/*.go), at the same atomicity:
 * one d_step (or, where a step has several outcomes, one atomic with the
 * choice inside; SPIN stores no state inside either) per model step, so
 * the reachable states are jobctl's, one for one. bench/spin/run.sh
 * compares the two state counts and says so loudly when they differ:
 * the model changes, and this twin has to follow it.
 *
 * Only the paths this scenario reaches are here: no tracer, no PREEMPT_RT,
 * no cgroup v2, no lock holder (so do_signal_stop() skips
 * cgroup_enter_frozen()), no thread scripts. Spin's state is the model's
 * information for this scenario, field by field (model/state.go); what
 * is constant here is left out, and op results are implied by the pcs.
 *
 * Build: spin -DN=6 -a scale.pml (N threads, 2..8; the leader is thread 0).
 */
#ifndef N
#define N 4
#endif

/* Task.Loc */
#define L_USER      0
#define L_REFRIG    1   /* __refrigerator() */
#define L_RELOCK    2   /* get_signal(): relock */
#define L_NOTIFYCLD 3   /* get_signal(): do_notify_parent_cldstop() */
#define L_DSSNOTIFY 4   /* do_signal_stop() S2 */
#define L_DSSSCHED  5   /* do_signal_stop() S4: schedule() */
#define L_DSSSLEEP  6   /* do_signal_stop(): asleep in schedule() */

/* __state */
#define TS_RUNNING 0
#define TS_STOPPED 1
#define TS_FROZEN  2

/* Task.Why */
#define WHY_NONE      0
#define WHY_STOPPED   1
#define WHY_CONTINUED 2

typedef task_t {
	bit stop_pending;   /* JOBCTL_STOP_PENDING */
	bit stop_consume;   /* JOBCTL_STOP_CONSUME */
	bit stop_dequeued;  /* JOBCTL_STOP_DEQUEUED */
	bit stopped;        /* JOBCTL_STOPPED */
	bit jsig;           /* JOBCTL_STOP_SIGMASK holds SIGSTOP */
	byte state;         /* __state */
	bit saved_stopped;  /* saved_state: TASK_STOPPED (else TASK_RUNNING) */
	byte loc;
	byte why;
	bit offrq;          /* !on_rq: blocked (the zero value is runnable, as every thread starts) */
	bit sigpending;     /* TIF_SIGPENDING */
	bit kicked;         /* KICKED: TIF_SIGPENDING set by another while in user mode (kick_process()) */
}
task_t t[N];

/* signal_struct of G */
bit sh_sigstop;         /* shared_pending has SIGSTOP (SIGCONT is never queued here) */
bit f_stop_stopped, f_stop_continued, f_cld_stopped, f_cld_continued;
byte gsc;               /* group_stop_count */
bit gexit_sigstop;      /* group_exit_code = SIGSTOP (else 0) */
byte cld_stopped, cld_continued;  /* CLD_* notifications to W, saturating at 3 */
byte curr_target;

/* G's v1 freezer cgroup */
bit cg_freezing;        /* CGROUP_FREEZING_SELF */
bit cg_frozen;          /* CGROUP_FROZEN */
bit fmutex;             /* freezer_mutex, held by F */

byte s_pc;              /* S: 0 kill SIGSTOP, 1 kill SIGCONT, 2 committed */
byte f_pc;              /* F: 0 freeze, 1 thaw, 2 committed */
bit f_read;             /* F's freeze op: 0 writing, 1 reading freezer.state */
byte f_tmp;             /* F: the next step of the walk (0: the cgroup, 1+i: thread i) */

/* scratch of a deterministic step (d_step): never part of the state.
 * S's choice keeps its scratch in locals (restored when the search
 * backtracks into the atomic), zero again when the step ends. */
#ifdef SCRATCH_IN_STATE
#define SCRATCH      /* multi-core pan (NCORE) allows no hidden variables */
#else
#define SCRATCH hidden
#endif
SCRATCH byte i, u, consume;
SCRATCH byte ok, committed;
/* every step ends with the scratch zero again (when it is in the state) */
#define scrub i = 0; u = 0; consume = 0; ok = 0; committed = 0

/* signal_set_stop_flags() */
#define set_stop_flags_stopped() f_cld_stopped = 0; f_cld_continued = 0; f_stop_continued = 0; f_stop_stopped = 1

/* try_to_wake_up(t, __TASK_STOPPED) and (t, TASK_FROZEN): a __state match
 * wakes (and a task woken in do_signal_stop()'s schedule() is at relock),
 * a saved_state match records the wakeup. */
inline ttwu_stopped(x) {
	if
	:: t[x].state == TS_STOPPED ->
		t[x].state = TS_RUNNING;
		if
		:: t[x].offrq -> t[x].offrq = 0; if :: t[x].loc == L_DSSSLEEP -> t[x].loc = L_RELOCK :: else fi
		:: else
		fi
	:: t[x].state != TS_STOPPED && t[x].saved_stopped -> t[x].saved_stopped = 0
	:: else
	fi
}
inline ttwu_frozen(x) {
	if
	:: t[x].state == TS_FROZEN ->
		t[x].state = TS_RUNNING;
		if
		:: t[x].offrq -> t[x].offrq = 0; if :: t[x].loc == L_DSSSLEEP -> t[x].loc = L_RELOCK :: else fi
		:: else
		fi
	:: else
	fi
}

/* signal_wake_up_state()'s set_tsk_thread_flag(TIF_SIGPENDING), as
 * model.SetTIFSigpending: another task (cur, or none: N) kicks a thread
 * running user code */
inline set_tif_sigpending(x, cur) {
	if :: !t[x].sigpending && t[x].loc == L_USER && x != cur -> t[x].kicked = 1 :: else fi;
	t[x].sigpending = 1
}

/* recalc_sigpending() */
inline recalc_sigpending(x) {
	if
	:: t[x].stop_pending || sh_sigstop -> t[x].sigpending = 1
	:: else -> if :: !cg_freezing -> t[x].sigpending = 0 :: else fi
	fi
}

/* task_participate_group_stop(): ok = this thread completed the stop */
inline participate(x) {
	ok = 0;
	if
	:: t[x].stop_pending ->
		consume = t[x].stop_consume;
		t[x].stop_pending = 0; t[x].stop_consume = 0; t[x].stop_dequeued = 0;
		if
		:: consume ->
			if :: gsc > 0 -> gsc-- :: else fi;
			if :: gsc == 0 && !f_stop_stopped -> set_stop_flags_stopped(); ok = 1 :: else fi
		:: else
		fi
	:: else
	fi
}

/* do_signal_stop() S1 (sig: 1 = SIGSTOP dequeued, 0 = joining); committed = committed */
inline do_signal_stop(x, sig) {
	committed = 1;
	if
	:: !t[x].stop_pending ->
		if
		:: !t[x].stop_dequeued -> committed = 0
		:: else ->
			if :: !f_stop_stopped -> gexit_sigstop = sig :: else fi;
			gsc = 0;
			t[x].jsig = 1; t[x].stop_pending = 1; t[x].stop_consume = 1; gsc++;
			for (u : 0 .. N-1) {
				if
				:: u != x && !t[u].stopped ->
					t[u].jsig = 1; t[u].stop_pending = 1; t[u].stop_consume = 1; gsc++;
					set_tif_sigpending(u, x)   /* signal_wake_up(u, 0): no interruptible sleep here */
				:: else
				fi
			}
		fi
	:: else
	fi;
	if
	:: committed ->
		participate(x);
		t[x].why = (ok -> WHY_STOPPED : WHY_NONE);
		t[x].stopped = 1; t[x].state = TS_STOPPED;
		t[x].loc = (ok -> L_DSSNOTIFY : L_DSSSCHED)
	:: else
	fi
}

/* get_signal() from relock, one siglock section */
inline get_signal(x) {
	if
	:: f_cld_stopped || f_cld_continued ->
		t[x].why = (f_cld_continued -> WHY_CONTINUED : WHY_STOPPED);
		f_cld_stopped = 0; f_cld_continued = 0;
		t[x].loc = L_NOTIFYCLD
	:: else ->
		committed = 0;
		if :: t[x].stop_pending -> do_signal_stop(x, 0) :: else fi;
		if
		:: !committed ->
			/* dequeue_signal() */
			if
			:: sh_sigstop ->
				sh_sigstop = 0; t[x].stop_dequeued = 1; recalc_sigpending(x);
				do_signal_stop(x, 1);
				if
				:: !committed ->   /* the loop again: nothing else is pending */
					recalc_sigpending(x); t[x].loc = L_USER
				:: else
				fi
			:: else -> recalc_sigpending(x); t[x].loc = L_USER
			fi
		:: else
		fi
	fi
}

/* __refrigerator(), one pass (v6.7+: saved_state = TASK_RUNNING) */
inline refrigerator(x) {
	t[x].state = TS_FROZEN; t[x].saved_stopped = 0;
	if
	:: cg_freezing -> t[x].offrq = 1; t[x].loc = L_REFRIG
	:: else -> t[x].state = TS_RUNNING; t[x].loc = L_RELOCK; get_signal(x)
	fi
}

/* the tracee threads */
active [N] proctype thread() {
	do
	:: d_step { t[_pid].loc == L_USER && t[_pid].sigpending ->
		t[_pid].kicked = 0;   /* no system call to make: get_signal() first */
		if :: cg_freezing -> refrigerator(_pid) :: else -> get_signal(_pid) fi; scrub }
	:: d_step { t[_pid].loc == L_REFRIG && !t[_pid].offrq -> refrigerator(_pid); scrub }
	:: d_step { t[_pid].loc == L_RELOCK -> get_signal(_pid); scrub }
	:: d_step { t[_pid].loc == L_NOTIFYCLD ->
		if
		:: t[_pid].why == WHY_STOPPED -> if :: cld_stopped < 3 -> cld_stopped++ :: else fi
		:: else -> if :: cld_continued < 3 -> cld_continued++ :: else fi
		fi;
		t[_pid].why = WHY_NONE; t[_pid].loc = L_RELOCK; scrub }
	:: d_step { t[_pid].loc == L_DSSNOTIFY ->
		if :: cld_stopped < 3 -> cld_stopped++ :: else fi;
		t[_pid].why = WHY_NONE; t[_pid].loc = L_DSSSCHED; scrub }
	:: d_step { t[_pid].loc == L_DSSSCHED ->
		/* schedule(): TASK_STOPPED blocks (no fatal signal here) */
		if
		:: t[_pid].state == TS_RUNNING -> t[_pid].loc = L_RELOCK
		:: else -> t[_pid].offrq = 1; t[_pid].loc = L_DSSSLEEP
		fi; scrub }
	od
}

/* wants_signal(SIGSTOP, x) for the sender: 0 no, 1 maybe, 2 yes */
#define wants(x) (t[x].stopped -> 0 : (!t[x].sigpending -> 2 : (!t[x].offrq -> 1 : 0)))

/* S: kill G SIGSTOP; kill G SIGCONT */
active proctype S() {
	byte n, k, v, tl[N + 2];
	do
	:: atomic { s_pc == 0 ->
		/* prepare_signal(SIGSTOP): no SIGCONT is pending; queue it */
		if
		:: sh_sigstop -> skip   /* legacy_queue() */
		:: else ->
			sh_sigstop = 1;
			/* complete_signal(): every thread its search can pick (signalTargets) */
			n = 0;
			if
			:: wants(0) == 2 -> tl[0] = 0; n = 1; goto picked
			:: wants(0) == 1 -> tl[0] = 0; n = 1
			:: else
			fi;
			for (i : 0 .. N-1) {
				v = (curr_target + i) % N;
				if
				:: v != 0 && wants(v) != 0 ->
					tl[n] = v + 1; n++;   /* 1+v: found by the search */
					if :: wants(v) == 2 -> goto picked :: else fi
				:: else
				fi
			}
			tl[n] = N + 1; n++;   /* none */
picked:
			k = 0;
			do
			:: k + 1 < n -> k++
			:: break
			od;
			if
			:: tl[k] == N + 1 -> skip
			:: else ->
				if :: tl[k] > 0 -> v = tl[k] - 1; curr_target = v :: else -> v = 0 fi;
				set_tif_sigpending(v, N)   /* signal_wake_up(v, 0) */
			fi
		fi;
		s_pc = 1;
		n = 0; k = 0; v = 0;
		for (i : 0 .. N + 1) { tl[i] = 0 }; scrub }
	:: d_step { s_pc == 1 ->
		/* prepare_signal(SIGCONT): flush SIGSTOP, end the group stop,
		 * wake the stopped threads; SIGCONT itself is ignored */
		sh_sigstop = 0;
		for (i : 0 .. N-1) {
			t[i].stop_pending = 0; t[i].stop_consume = 0; t[i].stop_dequeued = 0;
			t[i].stopped = 0;
			ttwu_stopped(i)
			}
		if
		:: f_stop_stopped -> f_cld_stopped = 0; f_stop_stopped = 0; f_cld_continued = 1; f_stop_continued = 1; gsc = 0; gexit_sigstop = 0
		:: !f_stop_stopped && gsc != 0 -> f_cld_continued = 0; f_stop_stopped = 0; f_cld_stopped = 1; f_stop_continued = 1; gsc = 0; gexit_sigstop = 0
		:: else
		fi;
		s_pc = 2; scrub }
	od
}

/* freeze_task(x) (v6.7+: frozen in place keeps __state in saved_state) */
inline freeze_task(x) {
	if
	:: t[x].state == TS_FROZEN -> skip
	:: t[x].offrq && t[x].state == TS_STOPPED -> t[x].saved_stopped = 1; t[x].state = TS_FROZEN
	:: else -> set_tif_sigpending(x, N)   /* fake_signal_wake_up(): no interruptible sleep here */
	fi
}

/* F: freeze G (write FROZEN, read until FROZEN); thaw G */
active proctype F() {
	do
	:: d_step { f_pc == 0 && !f_read && f_tmp == 0 && !fmutex ->
		fmutex = 1; cg_freezing = 1; f_tmp = 1; scrub }
	:: d_step { f_pc == 0 && !f_read && f_tmp > 0 ->
		freeze_task(f_tmp - 1);
		if
		:: f_tmp == N -> fmutex = 0; f_tmp = 0; f_read = 1
		:: else -> f_tmp++
		fi; scrub }
	:: d_step { f_pc == 0 && f_read && !fmutex ->
		/* update_if_frozen() */
		ok = 1;
		for (i : 0 .. N-1) { if :: t[i].state != TS_FROZEN -> ok = 0 :: else fi }
		if
		:: cg_frozen || ok -> cg_frozen = 1; f_read = 0; f_pc = 1
		:: else ->
			/* write FROZEN again, unless that changes nothing */
			ok = 1;
			for (i : 0 .. N-1) {
				if
				:: t[i].state == TS_FROZEN -> skip
				:: t[i].offrq && t[i].state == TS_STOPPED -> ok = 0
				:: !t[i].sigpending -> ok = 0
				:: else
				fi
			}
			if :: !ok -> f_read = 0; f_tmp = 0 :: else fi
		fi; scrub }
	:: d_step { f_pc == 1 && f_tmp == 0 && !fmutex ->
		fmutex = 1; cg_freezing = 0; cg_frozen = 0; f_tmp = 1; scrub }
	:: d_step { f_pc == 1 && f_tmp > 0 ->
		/* __thaw_task() (v6.7+): restore saved_state, or wake */
		if
		:: t[f_tmp - 1].state == TS_FROZEN && t[f_tmp - 1].saved_stopped ->
			t[f_tmp - 1].state = TS_STOPPED; t[f_tmp - 1].saved_stopped = 0
		:: else -> ttwu_frozen(f_tmp - 1)
		fi;
		if
		:: f_tmp == N -> fmutex = 0; f_tmp = 0; f_pc = 2
		:: else -> f_tmp++
		fi; scrub }
	od
}
