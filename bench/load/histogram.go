// Package load drives sendgate's DecisionService (or the bench echo server)
// with Check or CheckBatch calls, closed loop or open loop, and reports
// throughput, latency percentiles, errors and CPU cost per call.
package load

import (
	"math"
	"math/bits"
)

// subBits sets the histogram's precision: each power-of-two range of values
// is split into 1<<subBits linear buckets, so a recorded value is reported
// within 1/(1<<subBits) (about 0.4 %) of its true value, and values below
// 2<<subBits are kept exactly.
const subBits = 8

const subCount = 1 << subBits

// Histogram is a log-linear (HDR-style) histogram of non-negative int64
// values, such as latencies in nanoseconds. Its memory grows with the
// logarithm of the largest value recorded. It is not safe for concurrent use:
// give each goroutine its own and Merge them.
type Histogram struct {
	counts []uint64
	total  uint64
	min    int64
	max    int64
	sum    float64
}

// bucketIndex maps a value to its bucket. Values below 2*subCount get a
// bucket of their own; above that, each doubling of the value adds subCount
// buckets of equal width.
func bucketIndex(v int64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - subBits - 1
	top := int(v >> uint(shift)) // in [subCount, 2*subCount)
	return (shift+1)*subCount + top - subCount
}

// bucketBounds returns the smallest and largest value that map to bucket i.
func bucketBounds(i int) (lo, hi int64) {
	if i < 2*subCount {
		return int64(i), int64(i)
	}
	shift := i/subCount - 1
	top := int64(i%subCount + subCount)
	return top << uint(shift), (top+1)<<uint(shift) - 1
}

// Record adds one value; negative values are recorded as 0.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	}
	i := bucketIndex(v)
	if i >= len(h.counts) {
		grown := make([]uint64, i+1+subCount)
		copy(grown, h.counts)
		h.counts = grown
	}
	h.counts[i]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.total++
	h.sum += float64(v)
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		grown := make([]uint64, len(o.counts))
		copy(grown, h.counts)
		h.counts = grown
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.total += o.total
	h.sum += o.sum
}

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Min is the smallest value recorded, or 0 when none was.
func (h *Histogram) Min() int64 { return h.min }

// Max is the largest value recorded, or 0 when none was.
func (h *Histogram) Max() int64 { return h.max }

// Mean is the arithmetic mean of the values recorded, or 0 when none was.
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return h.sum / float64(h.total)
}

// Quantile returns the nearest-rank q-quantile (0 < q ≤ 1): the smallest
// recorded value v such that at least a fraction q of the values are ≤ v,
// reported as the highest value of v's bucket (clamped to [Min, Max]). It is
// exact for values below 512 and within about 0.4 % above. It returns 0 for
// an empty histogram.
func (h *Histogram) Quantile(q float64) int64 {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	if rank < 1 {
		rank = 1
	}
	if rank > h.total {
		rank = h.total
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketBounds(i)
			return min(max(hi, h.min), h.max)
		}
	}
	return h.max
}
