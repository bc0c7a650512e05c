package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/testutil"
)

// action is one CodePipeline action of the synthesized template.
type action struct {
	Name, Provider string
	// Region is the action's region ("" for the pipeline's own).
	Region   string
	RunOrder int
	Config   map[string]any
	RoleArn  any
	Outputs  []string
}

// pipelineStages returns the CodePipeline stages in order with their actions
// sorted by run order.
func pipelineStages(t *testing.T) (names []string, actions map[string][]action) {
	t.Helper()
	pipes := resources("AWS::CodePipeline::Pipeline")
	if len(pipes) != 1 {
		t.Fatalf("%d pipelines, want 1", len(pipes))
	}
	actions = map[string][]action{}
	for _, p := range pipes {
		for _, st := range props(p)["Stages"].([]any) {
			sm := st.(map[string]any)
			name := sm["Name"].(string)
			names = append(names, name)
			for _, a := range sm["Actions"].([]any) {
				am := a.(map[string]any)
				act := action{
					Name:     am["Name"].(string),
					Provider: am["ActionTypeId"].(map[string]any)["Provider"].(string),
					RunOrder: int(am["RunOrder"].(float64)),
					RoleArn:  am["RoleArn"],
				}
				act.Region, _ = am["Region"].(string)
				act.Config, _ = am["Configuration"].(map[string]any)
				outs, _ := am["OutputArtifacts"].([]any)
				for _, o := range outs {
					act.Outputs = append(act.Outputs, o.(map[string]any)["Name"].(string))
				}
				actions[name] = append(actions[name], act)
			}
			sort.SliceStable(actions[name], func(i, j int) bool { return actions[name][i].RunOrder < actions[name][j].RunOrder })
		}
	}
	return names, actions
}

// find returns the stage's action called name.
func find(t *testing.T, acts []action, name string) action {
	t.Helper()
	for _, a := range acts {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no action %s among %v", name, acts)
	return action{}
}

// project returns the CodeBuild project an action runs and its build spec.
func project(t *testing.T, a action) (map[string]any, map[string]any) {
	t.Helper()
	ref, _ := a.Config["ProjectName"].(map[string]any)
	id, _ := ref["Ref"].(string)
	p, ok := resources("AWS::CodeBuild::Project")[id]
	if !ok {
		t.Fatalf("action %s runs no project of this template (%v)", a.Name, a.Config["ProjectName"])
	}
	return props(p), buildSpec(t, props(p))
}

func buildSpec(t *testing.T, p map[string]any) map[string]any {
	t.Helper()
	src := p["Source"].(map[string]any)["BuildSpec"]
	text, ok := src.(string)
	if !ok {
		t.Fatalf("build spec is not a literal: %v", src)
	}
	var spec map[string]any
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		if err := json.Unmarshal([]byte(text), &spec); err != nil {
			t.Fatal(err)
		}
		return spec
	}
	// Asset publishing passes its build spec as a file of the assembly.
	data, err := os.ReadFile(filepath.Join(fx.Outdir, text))
	if err != nil {
		t.Fatalf("build spec %q: %v", text, err)
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

// commands lists a build spec's commands of a phase.
func commands(spec map[string]any, phase string) []string {
	var out []string
	ph, _ := spec["phases"].(map[string]any)[phase].(map[string]any)
	cmds, _ := ph["commands"].([]any)
	for _, c := range cmds {
		out = append(out, c.(string))
	}
	return out
}

// env maps a project's environment variable names to values and types.
func env(p map[string]any) (values, types map[string]string) {
	values, types = map[string]string{}, map[string]string{}
	e := p["Environment"].(map[string]any)
	vars, _ := e["EnvironmentVariables"].([]any)
	for _, v := range vars {
		m := v.(map[string]any)
		values[m["Name"].(string)] = toJSON(m["Value"])
		types[m["Name"].(string)] = m["Type"].(string)
	}
	return values, types
}

// rolePolicies are the statements of every policy attached to the role
// whose logical ID is roleID.
func rolePolicies(roleID string) []map[string]any {
	var out []map[string]any
	for _, p := range resources("AWS::IAM::Policy") {
		pp := props(p)
		if !strings.Contains(toJSON(pp["Roles"]), `"Ref":"`+roleID+`"`) {
			continue
		}
		for _, s := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

// roleOf is the logical ID of a project's service role.
func roleOf(t *testing.T, p map[string]any) string {
	t.Helper()
	arn := p["ServiceRole"].(map[string]any)["Fn::GetAtt"].([]any)
	return arn[0].(string)
}

func TestNoUnsuppressedErrors(t *testing.T) {
	if len(fx.Errors) > 0 {
		t.Errorf("%d unsuppressed errors (cdk-nag AwsSolutions included) in the pipeline and its stages:\n%s",
			len(fx.Errors), strings.Join(fx.Errors, "\n"))
	}
}

func TestTwoSynthsAreIdentical(t *testing.T) {
	if fx.Identical != nil {
		t.Error(fx.Identical)
	}
}

// TestStageOrder: source, synth, self-mutation, assets, then the stages in
// the configuration's order, each a nested cloud assembly with the whole app.
func TestStageOrder(t *testing.T) {
	names, _ := pipelineStages(t)
	want := "Source Build UpdatePipeline Assets opencti-dev opencti-prod"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("pipeline stages = %s, want %s", got, want)
	}
	nested := map[string][]string{}
	for _, n := range *fx.Assembly.NestedAssemblies() {
		var stacks []string
		for _, s := range *n.NestedAssembly().Stacks() {
			stacks = append(stacks, *s.StackName()+"@"+*s.Environment().Account+"/"+*s.Environment().Region)
		}
		sort.Strings(stacks)
		nested[*n.Id()] = stacks
	}
	for stage, account := range map[string]string{"opencti-dev": "418227093651", "opencti-prod": "527316480924"} {
		var want []string
		for _, s := range []string{"Cluster", "Data", "Edge", "EdgeDns", "Monitoring", "Network", "OpenCTI", "PipelineAccess"} {
			want = append(want, stage+"-"+s+"@"+account+"/eu-west-1")
		}
		// prod has disaster recovery (the prod profile's default): its
		// Recovery stack deploys in the recovery region.
		if stage == "opencti-prod" {
			want = append(want, stage+"-Recovery@"+account+"/eu-central-1")
		}
		if got := nested["assembly-"+stage]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("assembly-%s stacks = %v, want %v", stage, got, want)
		}
	}
}

// TestStackOrderInsideStage: Data and Cluster deploy in parallel after
// Network, as with `cdk deploy --all`; OpenCTI after both; Monitoring and
// EdgeDns last.
func TestStackOrderInsideStage(t *testing.T) {
	_, actions := pipelineStages(t)
	for _, stage := range []string{"opencti-dev", "opencti-prod"} {
		order := map[string]int{}
		for _, a := range actions[stage] {
			if strings.HasSuffix(a.Name, ".Deploy") {
				order[strings.TrimSuffix(a.Name, ".Deploy")] = a.RunOrder
			}
		}
		if order["Data"] != order["Cluster"] || order["Data"] <= order["Network"] {
			t.Errorf("%s: Data and Cluster must deploy together after Network: %v", stage, order)
		}
		if order["OpenCTI"] <= order["Data"] || order["Monitoring"] <= order["OpenCTI"] || order["EdgeDns"] <= order["OpenCTI"] {
			t.Errorf("%s: deploy order %v", stage, order)
		}
	}
}

// TestDiffApprovalAndSmokeCheck: a diff first (its report an output
// artefact), an approval after it only before prod, the smoke check after
// every stack.
func TestDiffApprovalAndSmokeCheck(t *testing.T) {
	_, actions := pipelineStages(t)
	for _, stage := range []string{"opencti-dev", "opencti-prod"} {
		acts := actions[stage]
		first, last := acts[0], acts[len(acts)-1]
		if first.Name != "Diff" || first.Provider != "CodeBuild" || len(first.Outputs) != 1 {
			t.Errorf("%s: first action %+v, want the Diff CodeBuild action with one output artefact", stage, first)
		}
		if last.Name != "SmokeCheck" || last.Provider != "CodeBuild" {
			t.Errorf("%s: last action %+v, want SmokeCheck", stage, last)
		}
		maxDeploy, minDeploy := 0, 1<<30
		approvals := 0
		for _, a := range acts {
			if a.Provider == "CloudFormation" {
				maxDeploy = max(maxDeploy, a.RunOrder)
				minDeploy = min(minDeploy, a.RunOrder)
			}
			if a.Provider == "Manual" {
				approvals++
			}
		}
		if last.RunOrder <= maxDeploy {
			t.Errorf("%s: smoke check (run order %d) must follow every deployment (%d)", stage, last.RunOrder, maxDeploy)
		}
		switch stage {
		case "opencti-dev":
			if approvals != 0 {
				t.Errorf("dev stage waits for %d approvals, want none", approvals)
			}
		case "opencti-prod":
			a := find(t, acts, "Approve")
			if approvals != 1 || a.RunOrder <= first.RunOrder || a.RunOrder >= minDeploy {
				t.Errorf("prod approval at run order %d, want one between the diff (%d) and the first deployment (%d)", a.RunOrder, first.RunOrder, minDeploy)
			}
			if !strings.Contains(toJSON(a.Config["CustomData"]), "cdk diff report") {
				t.Errorf("approval comment %v does not point at the diff report", a.Config["CustomData"])
			}
		}
	}
}

func TestDiffStep(t *testing.T) {
	_, actions := pipelineStages(t)
	for stage, account := range map[string]string{"opencti-dev": "418227093651", "opencti-prod": "527316480924"} {
		p, spec := project(t, find(t, actions[stage], "Diff"))
		if got := commands(spec, "build"); strings.Join(got, ";") != "bash "+DiffScript {
			t.Errorf("%s diff commands = %q", stage, got)
		}
		art := spec["artifacts"].(map[string]any)
		if art["base-directory"] != DiffReportDir {
			t.Errorf("%s diff artefact = %v", stage, art)
		}
		vals, _ := env(p)
		lookup := `"arn:aws:iam::` + account + `:role/cdk-hnb659fds-lookup-role-` + account + `-eu-west-1"`
		if vals["LOOKUP_ROLE_ARN"] != lookup || vals["STAGE_ASSEMBLY"] != `"cdk.out/assembly-`+stage+`"` {
			t.Errorf("%s diff environment = %v", stage, vals)
		}
		// The only role the diff may assume is the stage's read-only lookup role.
		var assumes []string
		for _, s := range rolePolicies(roleOf(t, p)) {
			if strings.Contains(toJSON(s["Action"]), "sts:AssumeRole") {
				assumes = append(assumes, toJSON(s["Resource"]))
			}
		}
		if strings.Join(assumes, " ") != lookup {
			t.Errorf("%s diff role may assume %v, want only %s", stage, assumes, lookup)
		}
	}
}

func TestSmokeCheckStep(t *testing.T) {
	_, actions := pipelineStages(t)
	cases := map[string]struct{ account, prefix, host string }{
		"opencti-dev":  {"418227093651", "opencti/dev", "api.dev.cti.northwind-secops.net"},
		"opencti-prod": {"527316480924", "opencti/prod", "api.cti.northwind-secops.net"},
	}
	for stage, want := range cases {
		p, spec := project(t, find(t, actions[stage], "SmokeCheck"))
		if got := commands(spec, "build"); strings.Join(got, ";") != "bash "+SmokeCheckScript {
			t.Errorf("%s smoke check commands = %q", stage, got)
		}
		vals, types := env(p)
		wantEnv := map[string]string{
			"SMOKE_ROLE_ARN":  `"arn:aws:iam::` + want.account + `:role/` + stage + `-smoke-check"`,
			"SECRET_ID":       `"` + want.prefix + `/health-access-key"`,
			"SECRET_FIELD":    `"accessKey"`,
			"STAGE_REGION":    `"eu-west-1"`,
			"API_HOST":        `"` + want.host + `"`,
			"TIMEOUT_SECONDS": `"1200"`,
		}
		if toJSON(vals) != toJSON(wantEnv) {
			t.Errorf("%s smoke check environment = %v, want %v", stage, vals, wantEnv)
		}
		for k, typ := range types {
			if typ != "PLAINTEXT" {
				t.Errorf("%s smoke check variable %s is %s", stage, k, typ)
			}
		}
		if got := p["TimeoutInMinutes"]; got != float64(30) {
			t.Errorf("%s smoke check timeout = %v, want 20 + 10 minutes", stage, got)
		}
		roleID := roleOf(t, p)
		role := props(resources("AWS::IAM::Role")[roleID])
		if role["RoleName"] != "opencti-delivery-smoke-"+stage {
			t.Errorf("%s smoke check role name = %v", stage, role["RoleName"])
		}
		var assumes []string
		for _, s := range rolePolicies(roleID) {
			if strings.Contains(toJSON(s["Action"]), "sts:AssumeRole") {
				assumes = append(assumes, toJSON(s["Resource"]))
			}
			if strings.Contains(toJSON(s["Action"]), "secretsmanager") {
				t.Errorf("%s: the tooling account's smoke check role reads secrets itself: %v", stage, s)
			}
		}
		if strings.Join(assumes, " ") != wantEnv["SMOKE_ROLE_ARN"] {
			t.Errorf("%s smoke check role may assume %v", stage, assumes)
		}
	}
}

// TestPinnedTools: nothing in a build spec floats.
func TestPinnedTools(t *testing.T) {
	_, actions := pipelineStages(t)
	p, spec := project(t, find(t, actions["Build"], "Synth"))
	if got := commands(spec, "build"); strings.Join(got, ";") != "make synth CONFIG=examples/pipeline.yaml OUT=cdk.out" {
		t.Errorf("synth commands = %q", got)
	}
	vals, _ := env(p)
	if vals["GOTOOLCHAIN"] != `"`+GoToolchain+`"` {
		t.Errorf("synth GOTOOLCHAIN = %s, want %s", vals["GOTOOLCHAIN"], GoToolchain)
	}
	if fx.Tools.CdkCli != "2.1148.1" || fx.Tools.Node != "24.22.3" {
		t.Errorf(".tools versions = %+v", fx.Tools)
	}
	_, self := project(t, find(t, actions["UpdatePipeline"], "SelfMutate"))
	if got := commands(self, "install"); strings.Join(got, ";") != "npm install -g aws-cdk@"+fx.Tools.CdkCli {
		t.Errorf("self-mutation installs %q, want the CLI of .tools", got)
	}
	_, assets := project(t, find(t, actions["Assets"], "FileAssets"))
	if got := commands(assets, "install"); strings.Join(got, ";") != "npm install -g cdk-assets@"+CdkAssetsVersion {
		t.Errorf("asset publishing installs %q", got)
	}
	exact := regexp.MustCompile(`^npm install -g [a-z-]+@[0-9]+\.[0-9]+\.[0-9]+$`)
	for id, r := range resources("AWS::CodeBuild::Project") {
		pp := props(r)
		spec := buildSpec(t, pp)
		envs := pp["Environment"].(map[string]any)
		if envs["Image"] != "aws/codebuild/standard:7.0" {
			t.Errorf("%s image = %v", id, envs["Image"])
		}
		rv := toJSON(spec["phases"].(map[string]any)["install"].(map[string]any)["runtime-versions"])
		if rv != `{"golang":"`+CodeBuildImageGoRuntime+`","nodejs":"`+CodeBuildImageNodeRuntime+`"}` {
			t.Errorf("%s runtime-versions = %s", id, rv)
		}
		text := toJSON(spec)
		if strings.Contains(text, "latest") {
			t.Errorf("%s build spec mentions latest: %s", id, text)
		}
		for _, c := range append(commands(spec, "install"), commands(spec, "build")...) {
			if strings.HasPrefix(c, "npm install") && !exact.MatchString(c) {
				t.Errorf("%s installs a floating version: %q", id, c)
			}
			if strings.Contains(c, "npx ") {
				t.Errorf("%s runs npx (a floating download): %q", id, c)
			}
		}
	}
}

// TestNoSecretInBuildSpecsOrEnvironment: the steps carry names of secrets,
// never values, and no credentials.
func TestNoSecretInBuildSpecsOrEnvironment(t *testing.T) {
	secretish := regexp.MustCompile(`(?i)(health_access_key=[A-Za-z0-9]|AKIA[0-9A-Z]{16}|aws_secret_access_key|SecretString|secretsmanager:GetSecretValue|"Type":"SECRETS_MANAGER"|"Type":"PARAMETER_STORE"|set -x)`)
	for id, r := range resources("AWS::CodeBuild::Project") {
		pp := props(r)
		if m := secretish.FindString(toJSON(buildSpec(t, pp)) + toJSON(pp["Environment"])); m != "" {
			t.Errorf("%s: build spec or environment contains %q", id, m)
		}
	}
	for id, r := range resources("AWS::CodePipeline::Pipeline") {
		if m := secretish.FindString(toJSON(r)); m != "" {
			t.Errorf("%s: action configuration contains %q", id, m)
		}
	}
	// The synth step needs no credentials: its role may assume no role and
	// read no secret.
	_, actions := pipelineStages(t)
	p, _ := project(t, find(t, actions["Build"], "Synth"))
	for _, s := range rolePolicies(roleOf(t, p)) {
		a := toJSON(s["Action"])
		if strings.Contains(a, "sts:") || strings.Contains(a, "secretsmanager:") || strings.Contains(a, "ssm:") {
			t.Errorf("synth role may %s on %s", a, toJSON(s["Resource"]))
		}
	}
}

// TestCrossAccountRoles: every deployment runs as the stage account's CDK
// deploy role; the pipeline's own role may assume no more.
func TestCrossAccountRoles(t *testing.T) {
	_, actions := pipelineStages(t)
	for stage, account := range map[string]string{"opencti-dev": "418227093651", "opencti-prod": "527316480924"} {
		n := 0
		for _, a := range actions[stage] {
			if a.Provider != "CloudFormation" {
				continue
			}
			n++
			// The Recovery stack deploys in the recovery region, with that
			// region's bootstrap roles.
			region := "eu-west-1"
			if a.Region != "" {
				region = a.Region
			}
			if strings.HasPrefix(a.Name, "Recovery.") != (region == "eu-central-1") {
				t.Errorf("%s %s deploys in %s", stage, a.Name, region)
			}
			deploy := ":iam::" + account + ":role/cdk-hnb659fds-deploy-role-" + account + "-" + region
			exec := ":iam::" + account + ":role/cdk-hnb659fds-cfn-exec-role-" + account + "-" + region
			if !strings.Contains(toJSON(a.RoleArn), deploy) {
				t.Errorf("%s %s runs as %s, want the stage's deploy role", stage, a.Name, toJSON(a.RoleArn))
			}
			if strings.HasSuffix(a.Name, ".Prepare") && !strings.Contains(toJSON(a.Config["RoleArn"]), exec) {
				t.Errorf("%s %s passes %s, want the stage's CloudFormation execution role", stage, a.Name, toJSON(a.Config["RoleArn"]))
			}
		}
		want := 16 // prepare and deploy of 8 stacks
		if stage == "opencti-prod" {
			want = 18 // and of the Recovery stack
		}
		if n != want {
			t.Errorf("%s: %d CloudFormation actions, want %d", stage, n, want)
		}
	}
	// The stages' deploy roles may read the artefacts (templates) and
	// decrypt them, nothing more.
	stageStatements := func(doc any) (principals, actions string) {
		for _, st := range doc.(map[string]any)["Statement"].([]any) {
			m := st.(map[string]any)
			if p := toJSON(m["Principal"]); strings.Contains(p, "deploy-role") {
				principals += p
				actions += toJSON(m["Action"])
			}
		}
		return principals, actions
	}
	for id, k := range resources("AWS::KMS::Key") {
		if strings.HasPrefix(id, "ArtifactKey") {
			p, a := stageStatements(props(k)["KeyPolicy"])
			for _, account := range []string{"418227093651", "527316480924"} {
				if !strings.Contains(p, `:iam::`+account+`:role/cdk-hnb659fds-deploy-role-`+account+`-eu-west-1"`) {
					t.Errorf("the artefact key does not admit %s's deploy role", account)
				}
			}
			if a != `["kms:Decrypt","kms:DescribeKey"]` {
				t.Errorf("stage deploy roles may %s on the artefact key, want decrypt only", a)
			}
		}
	}
	for id, b := range resources("AWS::S3::BucketPolicy") {
		if strings.HasPrefix(id, "ArtifactBucketPolicy") {
			p, a := stageStatements(props(b)["PolicyDocument"])
			for _, account := range []string{"418227093651", "527316480924"} {
				if !strings.Contains(p, `:iam::`+account+`:role/cdk-hnb659fds-deploy-role-`+account+`-eu-west-1"`) {
					t.Errorf("the artefact bucket does not admit %s's deploy role", account)
				}
			}
			if a != `["s3:GetBucket*","s3:GetObject*","s3:List*"]` {
				t.Errorf("stage deploy roles may %s on the artefact bucket, want read only", a)
			}
		}
	}

	// The stages' pipeline access stacks: the smoke-check role.
	for _, st := range fx.Stack.Stages {
		data, err := os.ReadFile(filepath.Join(fx.Outdir, *st.ArtifactId(), *st.Access.ArtifactId()+".template.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tpl map[string]any
		if err := json.Unmarshal(data, &tpl); err != nil {
			t.Fatal(err)
		}
		var role map[string]any
		for _, r := range tpl["Resources"].(map[string]any) {
			if m := r.(map[string]any); m["Type"] == "AWS::IAM::Role" {
				role = props(m)
			}
		}
		c := st.Config
		if role["RoleName"] != c.Name+"-smoke-check" {
			t.Errorf("%s smoke-check role name = %v", c.Name, role["RoleName"])
		}
		trust := toJSON(role["AssumeRolePolicyDocument"])
		for _, w := range []string{
			`"Principal":{"AWS":"arn:aws:iam::304958112237:root"}`,
			`"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::304958112237:role/opencti-delivery-smoke-` + c.Name + `"}`,
		} {
			if !strings.Contains(trust, w) {
				t.Errorf("%s smoke-check trust %s lacks %s", c.Name, trust, w)
			}
		}
		policy := toJSON(role["Policies"])
		secret := "arn:aws:secretsmanager:eu-west-1:" + c.Account + ":secret:" + c.SecretsPrefix + "/health-access-key-??????"
		for _, w := range []string{
			`"Action":"secretsmanager:GetSecretValue","Effect":"Allow","Resource":"` + secret + `"`,
			`"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"`,
			`"kms:EncryptionContext:SecretARN":"` + secret + `"`,
		} {
			if !strings.Contains(policy, w) {
				t.Errorf("%s smoke-check policy %s lacks %s", c.Name, policy, w)
			}
		}
		if n := strings.Count(policy, `"Action"`); n != 2 {
			t.Errorf("%s smoke-check role has %d statements, want 2", c.Name, n)
		}
	}
}

// TestEncryption: artefacts, build logs and build outputs are encrypted with
// the pipeline's own keys (rotated); the artefact bucket logs access.
func TestEncryption(t *testing.T) {
	for id, k := range resources("AWS::KMS::Key") {
		if props(k)["EnableKeyRotation"] != true {
			t.Errorf("%s: key rotation off", id)
		}
	}
	if n := len(resources("AWS::KMS::Key")); n != 2 {
		t.Errorf("%d keys, want 2 (artefacts, logs)", n)
	}
	var artefacts map[string]any
	for id, b := range resources("AWS::S3::Bucket") {
		if strings.HasPrefix(id, "ArtifactBucket") {
			artefacts = props(b)
		}
	}
	enc := toJSON(artefacts["BucketEncryption"])
	if !strings.Contains(enc, `"SSEAlgorithm":"aws:kms"`) || !strings.Contains(enc, `"KMSMasterKeyID":{"Fn::GetAtt":["ArtifactKey`) {
		t.Errorf("artefact bucket encryption = %s", enc)
	}
	if artefacts["LoggingConfiguration"] == nil {
		t.Error("artefact bucket has no access logging")
	}
	for id, g := range resources("AWS::Logs::LogGroup") {
		if !strings.Contains(toJSON(props(g)["KmsKeyId"]), "LogKey") || props(g)["RetentionInDays"] != float64(365) {
			t.Errorf("%s: log group %v", id, props(g))
		}
	}
	for id, r := range resources("AWS::CodeBuild::Project") {
		pp := props(r)
		if !strings.Contains(toJSON(pp["EncryptionKey"]), "ArtifactKey") {
			t.Errorf("%s: build outputs not encrypted with the artefact key: %v", id, pp["EncryptionKey"])
		}
		if !strings.Contains(toJSON(pp["LogsConfig"]), "BuildLogs") {
			t.Errorf("%s: logs to %v, want the encrypted build log group", id, pp["LogsConfig"])
		}
	}
	// With a stage in a recovery region the pipeline has one artefact store
	// per region: its own bucket here, aws-cdk-lib's replication bucket
	// (KMS-encrypted, see TestCrossRegionSupport) there.
	for _, st := range resources("AWS::CodePipeline::Pipeline") {
		stores, _ := props(st)["ArtifactStores"].([]any)
		regions := map[string]string{}
		for _, s := range stores {
			m := s.(map[string]any)
			regions[m["Region"].(string)] = toJSON(m["ArtifactStore"])
		}
		if !strings.Contains(regions["eu-west-1"], `"EncryptionKey":{"Id":{"Fn::GetAtt":["ArtifactKey`) {
			t.Errorf("artefact store in eu-west-1 = %v", regions["eu-west-1"])
		}
		if !strings.Contains(regions["eu-central-1"], `"EncryptionKey":{"Id":"arn:aws:kms:eu-central-1:304958112237:alias/`) {
			t.Errorf("artefact store in eu-central-1 = %v", regions["eu-central-1"])
		}
		if len(regions) != 2 {
			t.Errorf("artefact stores in %v, want eu-west-1 and eu-central-1", regions)
		}
	}
}

// TestCrossRegionSupport: the replication bucket aws-cdk-lib creates for the
// recovery region is held to the pipeline's own bucket's standard: its key
// rotates, it logs access, and it is TLS-only.
func TestCrossRegionSupport(t *testing.T) {
	var support map[string]any
	for _, s := range *fx.Assembly.Stacks() {
		if *s.Environment().Region == "eu-central-1" {
			raw, _ := json.Marshal(s.Template())
			if err := json.Unmarshal(raw, &support); err != nil {
				t.Fatal(err)
			}
		}
	}
	if support == nil {
		t.Fatal("no support stack in eu-central-1")
	}
	var keys, buckets, logged int
	for id, r := range support["Resources"].(map[string]any) {
		m := r.(map[string]any)
		p, _ := m["Properties"].(map[string]any)
		switch m["Type"] {
		case "AWS::KMS::Key":
			keys++
			if p["EnableKeyRotation"] != true {
				t.Errorf("%s: key without rotation", id)
			}
		case "AWS::S3::Bucket":
			buckets++
			if p["LoggingConfiguration"] != nil {
				logged++
			}
		case "AWS::S3::BucketPolicy":
			if !strings.Contains(toJSON(p), `"aws:SecureTransport":"false"`) {
				t.Errorf("%s: not TLS-only", id)
			}
		}
	}
	if keys != 1 || buckets != 2 || logged != 1 {
		t.Errorf("support stack: %d keys, %d buckets (%d logging), want the replication key, bucket and its log bucket", keys, buckets, logged)
	}
}

func TestSource(t *testing.T) {
	_, actions := pipelineStages(t)
	src := find(t, actions["Source"], SourceActionName)
	want := map[string]any{
		"ConnectionArn":    fx.Config.Pipeline.ConnectionArn,
		"FullRepositoryId": "northwind-secops/opencti-ha",
		"BranchName":       "main",
		"DetectChanges":    true,
	}
	for k, v := range want {
		if src.Config[k] != v {
			t.Errorf("source %s = %v, want %v", k, src.Config[k], v)
		}
	}
	roleID := src.RoleArn.(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	var uses []string
	for _, s := range rolePolicies(roleID) {
		if a := toJSON(s["Action"]); strings.Contains(a, "UseConnection") {
			uses = append(uses, a+" "+toJSON(s["Resource"]))
		}
	}
	if !strings.Contains(strings.Join(uses, " "), `"codeconnections:UseConnection" "`+fx.Config.Pipeline.ConnectionArn+`"`) {
		t.Errorf("source role connection permissions = %v, want codeconnections:UseConnection on the connection", uses)
	}
}

func TestToolingSmokeCheckRoleName(t *testing.T) {
	if got := ToolingSmokeCheckRoleName("opencti-delivery", "opencti-prod"); got != "opencti-delivery-smoke-opencti-prod" {
		t.Errorf("short name = %q", got)
	}
	long := ToolingSmokeCheckRoleName(strings.Repeat("p", 40), strings.Repeat("s", 40))
	if len(long) != 64 || long != ToolingSmokeCheckRoleName(strings.Repeat("p", 40), strings.Repeat("s", 40)) ||
		long == ToolingSmokeCheckRoleName(strings.Repeat("p", 40), strings.Repeat("s", 39)+"t") {
		t.Errorf("long name %q (%d characters) must be 64 characters, stable and distinct", long, len(long))
	}
}

func TestInvalidProps(t *testing.T) {
	msg := testutil.PanicMessage(func() {
		NewPipelineStack(nil, StackID, &PipelineStackProps{ConfigPath: "../x.yaml"})
	})
	for _, w := range []string{
		"pipeline.PipelineStackProps.Config: got no pipeline configuration",
		`pipeline.PipelineStackProps.ConfigPath: got "../x.yaml"`,
		"pipeline.PipelineStackProps.Stages: got none",
		"pipeline.PipelineStackProps.Tools: got no versions",
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("panic %s lacks %q", msg, w)
		}
	}
}
