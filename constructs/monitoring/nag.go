package monitoring

// suppressNagFindings records, with a reason, every cdk-nag AwsSolutions
// finding this construct accepts: those of the alarm dimension check
// (suppressDimensionCheckNag) and of the load balancer look-up (see
// albLookup.suppressNag).
func (m *monitoring) suppressNagFindings() {
	m.suppressDimensionCheckNag()
	if m.lookup == nil {
		return
	}
	m.lookup.suppressNag()
}
