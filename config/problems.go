package config

import "github.com/opencti-ha/opencti-ha/constructs/problems"

// Problems collects every validation problem of a configuration so that synth
// reports all of them at once instead of stopping at the first: the same
// collector the constructs use, with fields named by their YAML path (such
// as "data.opensearch.dataNodes"). Add records "<field>: got <value>, want
// <allowed>".
type Problems = problems.List
