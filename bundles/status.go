package bundles

import (
	"slices"
	"time"
)

// Trigger is what started an activation attempt.
type Trigger string

// Triggers of an activation attempt.
const (
	TriggerStartup Trigger = "startup"
	TriggerWatch   Trigger = "watch"
	TriggerPoll    Trigger = "poll"
	TriggerSignal  Trigger = "signal"
	TriggerAdmin   Trigger = "admin"
)

// automatic reports whether the trigger came from the process itself rather
// than from a person, whose reload retries a bundle refused before.
func (t Trigger) automatic() bool { return t == TriggerWatch || t == TriggerPoll }

// Result is how an activation attempt ended.
type Result string

// Results of an activation attempt.
const (
	// ResultActivated: the bundle now serves.
	ResultActivated Result = "activated"
	// ResultUnchanged: the source still has the bundle that serves.
	ResultUnchanged Result = "unchanged"
	// ResultRefused: the bundle was bad; the previous one keeps serving.
	ResultRefused Result = "refused"
	// ResultFetchFailed: the source could not be reached; the previous
	// bundle keeps serving.
	ResultFetchFailed Result = "fetch_failed"
)

// Stage is a step of the activation pipeline.
type Stage string

// Stages of the activation pipeline, in order.
const (
	StageFetch   Stage = "fetch"
	StageRead    Stage = "read"
	StageVerify  Stage = "verify"
	StageParse   Stage = "parse"
	StageCompile Stage = "compile"
	StageTest    Stage = "test"
	// StageBench: deciding sample requests with the new policy set took
	// longer than a decision may, or failed.
	StageBench    Stage = "bench"
	StageActivate Stage = "activate"
	StagePersist  Stage = "persist"
)

// Attempt records one run of the activation pipeline.
type Attempt struct {
	Trigger Trigger
	Result  Result
	// Stage is where the attempt failed; for an activated bundle whose
	// persistence failed it is StagePersist.
	Stage Stage
	// Revision is the candidate bundle's revision, when it got that far.
	Revision string
	// Err says why the attempt failed, or why persisting failed.
	Err error
	// FromPersistence marks the start-up attempt that loaded the last good
	// bundle from the data directory.
	FromPersistence bool
	StartedAt       time.Time
	FinishedAt      time.Time
}

// Status is the bundle state reported by the admin API.
type Status struct {
	// Ready is true once a bundle serves.
	Ready bool
	// Source is the configured bundle source.
	Source string
	// ActiveRevision is the revision that serves now.
	ActiveRevision string
	// ActivatedAt is when that revision began to serve.
	ActivatedAt time.Time
	// FromPersistence is true while the serving bundle is the last good one
	// loaded from the data directory because the source was not usable at
	// start-up.
	FromPersistence bool
	// LastAttempt is the most recent recorded attempt, if any.
	LastAttempt *Attempt
	// LastError is the most recent failure, kept after later successes.
	LastError   string
	LastErrorAt time.Time
	// Attempts are the most recent attempts, newest first.
	Attempts []Attempt
}

// history keeps the last N attempts, newest first.
type history struct {
	max      int
	attempts []Attempt
}

func (h *history) add(a Attempt) {
	h.attempts = append([]Attempt{a}, h.attempts...)
	if len(h.attempts) > h.max {
		h.attempts = h.attempts[:h.max]
	}
}

func (h *history) list() []Attempt { return slices.Clone(h.attempts) }
