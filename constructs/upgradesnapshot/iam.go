package upgradesnapshot

import (
	"github.com/aws/jsii-runtime-go"

	"github.com/opencti-ha/opencti-ha/internal/vpcprovider"
)

// snapshotStatements are what the functions' role needs besides its own
// logs, the VPC network interfaces and the master user secret: pass the
// snapshot role to OpenSearch and call the domain's _snapshot API.
func snapshotStatements(r resolved) []vpcprovider.Statement {
	return []vpcprovider.Statement{
		// Registering the repository passes the snapshot role to OpenSearch
		// Service. The statement is the one the OpenSearch Service Developer
		// Guide gives ("Creating index snapshots", Prerequisites, Permissions):
		// iam:PassRole on that one role, no condition. The guide documents no
		// iam:PassedToService value for this call; a condition the service does
		// not match would deny the registration.
		{Sid: "PassSnapshotRole", Actions: []string{"iam:PassRole"}, Resources: []*string{r.SnapshotRole.RoleArn()}},
		// The guide asks for es:ESHttpPut on <domain>/*; the function needs GET
		// and PUT, and only on the snapshot API.
		{Sid: "CallSnapshotApi", Actions: []string{"es:ESHttpGet", "es:ESHttpPut"},
			Resources: []*string{jsii.String(*r.DomainArn + "/_snapshot"), jsii.String(*r.DomainArn + "/_snapshot/*")}},
	}
}
