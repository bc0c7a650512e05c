package monitoringspec

// DefaultDimensionCheckMinutes is how long the deploy-time alarm dimension
// check waits, by default, for a brand-new resource to publish its first
// metrics (constructs/monitoring, dimensioncheck.go).
const DefaultDimensionCheckMinutes = 30

// MaxDimensionCheckMinutes is the longest wait: CloudFormation waits at most
// an hour for a custom resource, and the provider's own timeout sits five
// minutes above the check's.
const MaxDimensionCheckMinutes = 50
