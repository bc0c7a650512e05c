package scalesim

// Threshold is where the queue metric moves the count away from Replicas
// (before windows and policies): above UpAbove waiting messages it proposes
// more pods, at or below DownAtOrBelow fewer (-1: never, at the bounds).
type Threshold struct {
	Replicas               int32
	UpAbove, DownAtOrBelow int64
}

// Thresholds lists, for every count from MinReplicas to MaxReplicas, the
// waiting messages that make the queue metric propose another count: the
// tolerance keeps the count while messages / (MessagesPerReplica x count)
// stays within 1 +/- Tolerance. It returns Validate's error for an invalid
// configuration.
func (c Config) Thresholds() ([]Threshold, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	a := &autoscaler{targetMilli: c.MessagesPerReplica * 1000, tolerance: c.Tolerance}
	var out []Threshold
	for n := c.MinReplicas; n <= c.MaxReplicas; n++ {
		t := Threshold{Replicas: n, UpAbove: -1, DownAtOrBelow: -1}
		if n < c.MaxReplicas {
			// The smallest depth proposing more than n, minus one.
			t.UpAbove = search(0, int64(n)*c.MessagesPerReplica*4, func(d int64) bool { return a.externalProposal(n, d*1000) > n }) - 1
		}
		if n > c.MinReplicas {
			// The smallest depth no longer proposing fewer than n, minus one.
			t.DownAtOrBelow = search(0, int64(n)*c.MessagesPerReplica, func(d int64) bool { return a.externalProposal(n, d*1000) >= n }) - 1
		}
		out = append(out, t)
	}
	return out, nil
}

// search returns the smallest d in [lo, hi] with ok(d), for ok monotonic
// from false to true; hi+1 when none.
func search(lo, hi int64, ok func(int64) bool) int64 {
	for lo <= hi {
		mid := lo + (hi-lo)/2
		if ok(mid) {
			hi = mid - 1
		} else {
			lo = mid + 1
		}
	}
	return lo
}
