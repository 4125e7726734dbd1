package metrics

import "github.com/prometheus/client_golang/prometheus"

// MessageCacheStats are what the engine's message cache has done since the
// active bundle was activated.
type MessageCacheStats struct {
	Entries                 int
	Hits, Misses, Evictions uint64
}

// EngineStats is read at every scrape.
type EngineStats struct {
	// Queued is how many decisions wait for a worker or run now.
	Queued int
	// Cache is the active bundle's message cache.
	Cache MessageCacheStats
}

// ObserveEngine exports the engine's state, read from stats at every
// scrape: the message cache's size and hits (its hit rate is hits ÷
// (hits + misses); the counts start again with each bundle), and the
// decisions in the engine.
func (m *Metrics) ObserveEngine(stats func() EngineStats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sendgate_message_cache_entries",
			Help: "Messages whose message-level rule families are cached by the active bundle.",
		}, func() float64 { return float64(stats().Cache.Entries) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sendgate_message_cache_hits",
			Help: "Decisions of the active bundle that took the message-level families from the cache.",
		}, func() float64 { return float64(stats().Cache.Hits) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sendgate_message_cache_misses",
			Help: "Decisions of the active bundle that worked out the message-level families for a message not cached.",
		}, func() float64 { return float64(stats().Cache.Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sendgate_message_cache_evictions",
			Help: "Messages the active bundle's cache dropped to stay within its bounds.",
		}, func() float64 { return float64(stats().Cache.Evictions) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sendgate_decisions_in_flight",
			Help: "Decisions being evaluated or waiting for a processor.",
		}, func() float64 { return float64(stats().Queued) }),
	)
}

// RefusedOverload counts one call refused because the engine's queue was
// full.
func (m *Metrics) RefusedOverload() { m.overload.Inc() }
