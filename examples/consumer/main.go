// Command consumer is a CDK app of a team that adopts opencti-ha as a
// library: it builds an OpenCTI deployment from the constructs and the charts
// of github.com/opencti-ha/opencti-ha, in one stack, into a VPC it already
// has (imported by attributes, never created), with Graviton node pools, a
// two-zone OpenSearch domain, a single-replica Valkey group, a RabbitMQ
// cluster on mq.m7g, and two connectors of its own. No configuration file and
// no profile of opencti-ha is involved.
//
//	cd examples/consumer && CDK_OUTDIR=cdk.out go run .
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/opencti-ha/opencti-ha/charts"
	"github.com/opencti-ha/opencti-ha/charts/attach"
	"github.com/opencti-ha/opencti-ha/constructs/broker"
	"github.com/opencti-ha/opencti-ha/constructs/cache"
	"github.com/opencti-ha/opencti-ha/constructs/cluster"
	"github.com/opencti-ha/opencti-ha/constructs/objectstore"
	"github.com/opencti-ha/opencti-ha/constructs/opensearch"
	"github.com/opencti-ha/opencti-ha/constructs/problems"
	"github.com/opencti-ha/opencti-ha/constructs/secrets"
)

// The team's existing network (eu-central-1, account 210987654321).
const (
	account, region = "210987654321", "eu-central-1"
	vpcID, vpcCidr  = "vpc-0a1b2c3d4e5f60718", "10.80.0.0/16"
	secretsPrefix   = "acme/opencti"
)

var (
	zones          = []string{"eu-central-1a", "eu-central-1b"}
	workloadSubnet = []string{"subnet-0a000000000000001", "subnet-0a000000000000002"}
	workloadCidrs  = []string{"10.80.0.0/19", "10.80.32.0/19"}
	dataSubnets    = []string{"subnet-0d000000000000001", "subnet-0d000000000000002"}
	dataCidrs      = []string{"10.80.200.0/24", "10.80.201.0/24"}
	publicSubnets  = []string{"subnet-0b000000000000001", "subnet-0b000000000000002"}
	publicCidrs    = []string{"10.80.100.0/24", "10.80.101.0/24"}
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

func run() (err error) {
	// An invalid prop of any construct (or a jsii failure) becomes an error.
	defer problems.Recover(&err)
	app := awscdk.NewApp(nil)
	// The zones are named, so synth needs no AWS look-up.
	app.Node().SetContext(jsii.String("availability-zones:account="+account+":region="+region), zones)
	stack := awscdk.NewStack(app, jsii.String("AcmeOpenCTI"), &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
		StackName:   jsii.String("acme-opencti"),
		Description: jsii.String("OpenCTI of the ACME threat intelligence team, built from opencti-ha constructs"),
	})
	built := build(stack)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	asm := app.Synth(nil)
	var nagErrors []string
	for _, s := range *asm.Stacks() {
		for _, m := range *s.Messages() {
			if m.Level == cxapi.SynthesisMessageLevel_ERROR {
				nagErrors = append(nagErrors, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
			}
		}
	}
	if len(nagErrors) > 0 {
		return fmt.Errorf("%d unsuppressed errors:\n%s", len(nagErrors), strings.Join(nagErrors, "\n"))
	}
	fmt.Printf("synthesized stack %s: %d manifests (%s), connectors %s\n", *stack.StackName(), built.manifests,
		strings.Join(built.manifestIDs, ", "), strings.Join(built.connectors, ", "))
	return nil
}

// build composes the deployment in stack.
func build(stack awscdk.Stack) deploymentResult {
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:                        jsii.String(vpcID),
		VpcCidrBlock:                 jsii.String(vpcCidr),
		AvailabilityZones:            jsii.Strings(zones...),
		PublicSubnetIds:              jsii.Strings(publicSubnets...),
		PublicSubnetIpv4CidrBlocks:   jsii.Strings(publicCidrs...),
		PrivateSubnetIds:             jsii.Strings(workloadSubnet...),
		PrivateSubnetIpv4CidrBlocks:  jsii.Strings(workloadCidrs...),
		IsolatedSubnetIds:            jsii.Strings(dataSubnets...),
		IsolatedSubnetIpv4CidrBlocks: jsii.Strings(dataCidrs...),
	})
	workloads := awsec2.NewSecurityGroup(stack, jsii.String("Workloads"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("ACME OpenCTI nodes and pods"),
		AllowAllOutbound: jsii.Bool(true),
	})
	clients := []awsec2.ISecurityGroup{workloads}

	secretsKey := secrets.NewKey(stack, "SecretsKey", &secrets.KeyProps{Description: jsii.String("ACME OpenCTI secrets")})
	appSecrets := secrets.NewOpenCTISecrets(stack, "AppSecrets", &secrets.OpenCTISecretsProps{
		NamePrefix: jsii.String(secretsPrefix), EncryptionKey: secretsKey,
	})
	files := objectstore.NewObjectStore(stack, "Files", &objectstore.ObjectStoreProps{
		Backup: &objectstore.BackupProps{Retention: &objectstore.BackupRetention{DailyRetentionDays: 14, WeeklyRetentionDays: 60}},
	})

	// Two zones instead of three: 2 data nodes, 3 dedicated masters.
	sizing := opensearch.DefaultSizing()
	sizing.DataNodes, sizing.ZoneAwareness, sizing.VolumeSizeGiB = 2, 2, 300
	search := opensearch.NewDomain(stack, "Search", &opensearch.DomainProps{
		Vpc: vpc, ClientSecurityGroups: clients, Sizing: &sizing,
		MasterUserSecretName: jsii.String(secretsPrefix + "/" + charts.SecretSuffixOpenSearch),
		SecretEncryptionKey:  secretsKey, AccessLogsBucket: files.AccessLogsBucket(),
	})
	cacheSettings := cache.DefaultSettings()
	cacheSettings.Replicas, cacheSettings.NodeType = 1, "cache.m7g.large"
	redis := cache.NewReplicationGroup(stack, "Cache", &cache.ReplicationGroupProps{
		Vpc: vpc, ClientSecurityGroups: clients, Settings: &cacheSettings,
		AuthSecretName:      jsii.String(secretsPrefix + "/" + charts.SecretSuffixRedis),
		SecretEncryptionKey: secretsKey,
	})
	brokerSettings := broker.DefaultSettings()
	brokerSettings.InstanceType = "mq.m7g.large"
	mq := broker.NewBroker(stack, "Broker", &broker.BrokerProps{
		Vpc: vpc, ClientSecurityGroups: clients, Settings: &brokerSettings,
		UserSecretName:      jsii.String(secretsPrefix + "/" + charts.SecretSuffixRabbitMQ),
		SecretEncryptionKey: secretsKey,
	})

	// Graviton pools: arm64 m7g/c7g, smaller limits.
	userFacing := cluster.DefaultUserFacingPool()
	userFacing.Architectures, userFacing.CPULimit, userFacing.MemoryLimitGiB = []string{"arm64"}, 32, 128
	ingestion := cluster.DefaultIngestionPool()
	ingestion.Architectures, ingestion.CapacityTypes, ingestion.CPULimit, ingestion.MemoryLimitGiB = []string{"arm64"}, []string{"spot", "on-demand"}, 48, 192
	eks := cluster.NewCluster(stack, "Cluster", &cluster.ClusterProps{
		Vpc:                   vpc,
		WorkloadSecurityGroup: workloads,
		AvailabilityZones:     zones,
		SecretsPrefix:         secretsPrefix,
		AdminRoleArns:         []string{"arn:aws:iam::" + account + ":role/acme-platform-admin"},
		UserFacingPool:        &userFacing,
		IngestionPool:         &ingestion,
	})

	platformRole := awsiam.NewRole(stack, jsii.String("PlatformRole"), &awsiam.RoleProps{
		AssumedBy:   cluster.PodIdentityPrincipal(),
		Description: jsii.String("ACME OpenCTI platform pods: the file bucket and its key"),
	})
	files.GrantReadWrite(platformRole)
	platformIdentity := eks.AddPodIdentity(stack, "PlatformPodIdentity", charts.DefaultNamespace, charts.DefaultPlatformServiceAccount, platformRole)

	scaling := charts.DefaultQueueScaling()
	scaling.MessagesPerReplica = 5000
	scaling.Authentication = charts.TriggerAuthenticationRef{Name: eks.QueueScalerAuthenticationName(), Kind: charts.ClusterTriggerAuthenticationKind}
	props := &charts.Props{
		Version: "7.260817.0",
		Endpoints: charts.Endpoints{
			OpenSearchURL:    *search.URL(),
			RedisHostname:    *redis.Hostname(),
			RabbitMQHostname: *mq.Hostname(),
			S3Bucket:         *files.Bucket().BucketName(),
			S3Region:         region,
		},
		Secrets:          charts.SecretsFor(secretsPrefix),
		Hostnames:        charts.Hostnames{UI: "cti.acme.example", API: "cti-api.acme.example"},
		VpcCIDR:          vpcCidr,
		DataServiceCIDRs: dataCidrs,
		Connectors: []charts.ConnectorProps{
			{Name: "mitre", Type: "EXTERNAL_IMPORT", ConnectorName: "MITRE ATT&CK",
				Env: map[string]string{"MITRE_INTERVAL": "7"}},
			{Name: "import-document", Type: "INTERNAL_IMPORT_FILE", ConnectorName: "Import document",
				Scope: "application/pdf,text/plain,text/html", WritableDir: jsii.String("/opt/opencti-connector-import-document")},
		},
		Ingress:         charts.IngressProps{ClassName: jsii.String(eks.IngressClassName()), GroupName: jsii.String("acme-opencti")},
		SecretStoreName: jsii.String(eks.SecretStoreName()),
		// Ingestion on the queue depth: 2 to 5 worker-api pods, each with 3
		// workers, one pod per 5 000 waiting messages (KEDA, installed by
		// the cluster construct, with its trigger authentication).
		WorkerAPI:    charts.TierProps{MinReplicas: new(int32(2)), MaxReplicas: new(int32(5))},
		QueueScaling: &scaling,
		// Each connector and the workers get their own OpenCTI user and token
		// (the default); the provisioning Job calls the cluster endpoint, in
		// the workload subnets.
		Identities: charts.IdentitiesProps{
			Deployment:         jsii.String("acme-opencti"),
			KubernetesAPIURL:   eks.Cluster().ClusterEndpoint(),
			KubernetesAPICIDRs: workloadCidrs,
		},
	}
	openCTI, err := charts.NewCharts(cdk8s.NewApp(nil), props)
	if err != nil {
		panic(err)
	}
	manifests := attach.Charts(stack, &attach.Props{
		Cluster:             eks.Cluster(),
		Charts:              openCTI,
		SecretStore:         eks.SecretStore(),
		PlatformPodIdentity: platformIdentity,
		IngressClass:        eks.IngressClass(),
		ScalerDependsOn:     []constructs.IDependable{eks.Keda(), eks.QueueScalerAuthentication()},
	})
	_ = appSecrets
	out := deploymentResult{manifests: len(manifests)}
	for _, m := range manifests {
		out.manifestIDs = append(out.manifestIDs, *m.Node().Id())
	}
	for _, c := range props.Connectors {
		out.connectors = append(out.connectors, c.Name)
	}
	return out
}

type deploymentResult struct {
	manifests   int
	manifestIDs []string
	connectors  []string
}
