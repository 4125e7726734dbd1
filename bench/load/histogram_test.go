package load

import (
	"math/rand/v2"
	"testing"
)

func TestHistogramExactQuantiles(t *testing.T) {
	var h Histogram
	// 1..500 in a scrambled order: every value is below 512, so exact.
	for _, v := range rand.New(rand.NewPCG(1, 2)).Perm(500) {
		h.Record(int64(v + 1))
	}
	for _, c := range []struct {
		q    float64
		want int64
	}{
		{0.001, 1}, {0.5, 250}, {0.9, 450}, {0.99, 495}, {0.999, 500}, {1, 500},
	} {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %d, want %d", c.q, got, c.want)
		}
	}
	if h.Count() != 500 || h.Min() != 1 || h.Max() != 500 || h.Mean() != 250.5 {
		t.Errorf("count %d min %d max %d mean %v", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

func TestHistogramNearestRank(t *testing.T) {
	var h Histogram
	for range 90 {
		h.Record(100)
	}
	for range 10 {
		h.Record(300)
	}
	if got := h.Quantile(0.9); got != 100 {
		t.Errorf("p90 = %d, want 100 (90 of 100 values are ≤ 100)", got)
	}
	if got := h.Quantile(0.91); got != 300 {
		t.Errorf("p91 = %d, want 300", got)
	}
}

func TestHistogramLargeValuesWithinPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		v := rng.Int64N(1 << 40)
		var h Histogram
		h.Record(1)
		h.Record(v)
		h.Record(1 << 41)
		got := h.Quantile(0.5) // the middle value, v
		if got < v || float64(got-v) > float64(v)/subCount {
			t.Fatalf("median of {1, %d, 2^41} = %d: off by more than 1/%d", v, got, subCount)
		}
	}
}

func TestHistogramBucketsTile(t *testing.T) {
	prevHi := int64(-1)
	for i := range 40 * subCount {
		lo, hi := bucketBounds(i)
		if lo != prevHi+1 || hi < lo {
			t.Fatalf("bucket %d = [%d, %d], previous ended at %d", i, lo, hi, prevHi)
		}
		if bucketIndex(lo) != i || bucketIndex(hi) != i {
			t.Fatalf("bucket %d = [%d, %d] but its bounds index to %d and %d", i, lo, hi, bucketIndex(lo), bucketIndex(hi))
		}
		prevHi = hi
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for v := int64(1); v <= 1000; v++ {
		all.Record(v * 1000)
		if v%2 == 0 {
			a.Record(v * 1000)
		} else {
			b.Record(v * 1000)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{})
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		if m.Quantile(q) != all.Quantile(q) {
			t.Errorf("merged q%v = %d, want %d", q, m.Quantile(q), all.Quantile(q))
		}
	}
	if m.Count() != 1000 || m.Min() != 1000 || m.Max() != 1000000 || m.Mean() != all.Mean() {
		t.Errorf("merged count %d min %d max %d mean %v", m.Count(), m.Min(), m.Max(), m.Mean())
	}
}

func TestHistogramEmptyAndNegative(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Mean() != 0 {
		t.Error("empty histogram should report 0")
	}
	h.Record(-5)
	if h.Min() != 0 || h.Quantile(1) != 0 {
		t.Errorf("negative value should record as 0, got min %d", h.Min())
	}
}

func TestSummarizeMicroseconds(t *testing.T) {
	var h Histogram
	h.Record(250) // 0.25 µs
	l := Summarize(&h)
	if l.P50 != 0.25 || l.P999 != 0.25 || l.Max != 0.25 {
		t.Errorf("Summarize = %+v", l)
	}
}
