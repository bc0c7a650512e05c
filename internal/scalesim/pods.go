package scalesim

// deployment is the pods of one scale target, by creation time (oldest
// first). A pod is ready startup seconds after its creation.
type deployment struct {
	startup int64
	created []int64
}

// newDeployment starts with n pods that have long been ready.
func newDeployment(n int32, startup int64) *deployment {
	d := &deployment{startup: startup}
	for range n {
		d.created = append(d.created, -10*startup-3600)
	}
	return d
}

func (d *deployment) replicas() int32 { return int32(len(d.created)) }

// ready counts the pods whose startup is over at now.
func (d *deployment) ready(now int64) int32 {
	var n int32
	for _, c := range d.created {
		if now-c >= d.startup {
			n++
		}
	}
	return n
}

// scaleTo creates or deletes pods. The ReplicaSet deletes pods that are not
// ready before ready ones, and among ready pods the ones ready for the
// shortest time: with one startup time for all pods that is always the newest.
// It returns the ages of the deleted pods.
func (d *deployment) scaleTo(now int64, n int32) []int64 {
	var removed []int64
	for d.replicas() > n {
		last := len(d.created) - 1
		removed = append(removed, now-d.created[last])
		d.created = d.created[:last]
	}
	for d.replicas() < n {
		d.created = append(d.created, now)
	}
	return removed
}
