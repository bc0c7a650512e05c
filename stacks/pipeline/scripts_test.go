package pipeline

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The build scripts run here against fake aws, curl, npm and cdk commands
// (bash, jq and coreutils are real): what they call, what they print, and
// how they fail.

const testKey = "Zq8Xw2Lm4Np6Rt0Vy3Bc5Df7Gh9Jk1Ps2Tu4Wx6" // a made-up 40-character key

// fakeBin writes executable scripts named after the map's keys into a new
// folder and returns it.
func fakeBin(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/usr/bin/env bash\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runScript runs a script of this package with bin first on PATH, in dir,
// with env, and returns its combined output and exit error.
func runScript(t *testing.T, script, dir, bin string, env ...string) (string, error) {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("scripts", script))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", abs)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func smokeEnv(log string, extra ...string) []string {
	return append([]string{
		"SMOKE_ROLE_ARN=arn:aws:iam::418227093651:role/opencti-dev-smoke-check",
		"SECRET_ID=opencti/dev/health-access-key",
		"SECRET_FIELD=accessKey",
		"STAGE_REGION=eu-west-1",
		"API_HOST=api.dev.cti.northwind-secops.net",
		"TIMEOUT_SECONDS=30",
		"RETRY_SECONDS=0",
		"LOG=" + log,
	}, extra...)
}

// fakeAWS answers get-secret-value with secret (or fails with status),
// recording its arguments and the profile file it was given.
func fakeAWS(secret string, status int) string {
	return fmt.Sprintf(`echo "aws $*" >>"$LOG"
cat "$AWS_CONFIG_FILE" >>"$LOG"
if [ %d -ne 0 ]; then echo "An error occurred (AccessDenied)" >&2; exit %d; fi
printf '%%s\n' '%s'
`, status, status, secret)
}

// fakeCurl records its arguments and standard input, then prints the next
// status of $STATUSES (one per line; the last one repeats).
func fakeCurl() string {
	return `echo "curl $*" >>"$LOG"
echo "stdin: $(cat)" >>"$LOG"
n=$(grep -c '^curl ' "$LOG")
s=$(sed -n "${n}p" "$STATUSES"); [ -n "$s" ] || s=$(tail -n1 "$STATUSES")
printf '%s' "$s"
`
}

func TestSmokeCheckScript(t *testing.T) {
	secret := `{"accessKey":"` + testKey + `"}`
	cases := []struct {
		name     string
		aws      string
		statuses string
		timeout  string
		wantErr  bool
		wantOut  []string
		curls    int
	}{
		{"healthy on the third attempt", fakeAWS(secret, 0), "503\n000\n200\n", "30", false,
			[]string{"answered 503 (attempt 1), retrying", "answered 000 (attempt 2)", "https://api.dev.cti.northwind-secops.net/health answered 200 (attempt 3)"}, 3},
		{"never healthy", fakeAWS(secret, 0), "503\n", "1", true,
			[]string{"did not answer 200 within 1 s (last status: 503"}, -1},
		{"secret unreadable", fakeAWS(secret, 1), "200\n", "30", true,
			[]string{"smoke check: cannot read opencti/dev/health-access-key through arn:aws:iam::418227093651:role/opencti-dev-smoke-check"}, 0},
		{"secret without the field", fakeAWS(`{"other":"x"}`, 0), "200\n", "30", true,
			[]string{"smoke check: opencti/dev/health-access-key has no string property accessKey"}, 0},
		{"key that is not alphanumeric", fakeAWS(`{"accessKey":"abc&def"}`, 0), "200\n", "30", true,
			[]string{"is not an alphanumeric key"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			log, statuses := filepath.Join(tmp, "log"), filepath.Join(tmp, "statuses")
			if err := os.WriteFile(statuses, []byte(tc.statuses), 0o600); err != nil {
				t.Fatal(err)
			}
			bin := fakeBin(t, map[string]string{"aws": tc.aws, "curl": fakeCurl()})
			env := smokeEnv(log, "STATUSES="+statuses)
			env = append(env, "TIMEOUT_SECONDS="+tc.timeout)
			out, err := runScript(t, "smoke-check.sh", tmp, bin, env...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("exit error %v, want error %v\n%s", err, tc.wantErr, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			// The key never reaches the output.
			if strings.Contains(out, testKey) || strings.Contains(out, "abc&def") {
				t.Errorf("the output carries the key:\n%s", out)
			}
			calls, _ := os.ReadFile(log)
			text := string(calls)
			if !strings.Contains(text, "aws secretsmanager get-secret-value --profile stage --secret-id opencti/dev/health-access-key --query SecretString --output text") {
				t.Errorf("aws called as:\n%s", text)
			}
			for _, w := range []string{"role_arn = arn:aws:iam::418227093651:role/opencti-dev-smoke-check", "credential_source = EcsContainer", "region = eu-west-1"} {
				if !strings.Contains(text, w) {
					t.Errorf("profile lacks %q:\n%s", w, text)
				}
			}
			n := 0
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(line, "curl ") {
					n++
				}
			}
			if tc.curls >= 0 && n != tc.curls {
				t.Errorf("curl called %d times, want %d:\n%s", n, tc.curls, text)
			}
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(line, "curl ") && strings.Contains(line, testKey) {
					t.Errorf("the key is on curl's command line: %s", line)
				}
				if strings.HasPrefix(line, "stdin: ") && !strings.Contains(line, `url = "https://api.dev.cti.northwind-secops.net/health?health_access_key=`+testKey+`"`) {
					t.Errorf("curl read %q, want the URL with the key", line)
				}
			}
		})
	}
}

func TestDiffScript(t *testing.T) {
	env := []string{
		"STAGE_NAME=opencti-dev",
		"STAGE_ASSEMBLY=cdk.out/assembly-opencti-dev",
		"LOOKUP_ROLE_ARN=arn:aws:iam::418227093651:role/cdk-hnb659fds-lookup-role-418227093651-eu-west-1",
		"REPORT_DIR=diff-report",
		"CODEBUILD_RESOLVED_SOURCE_VERSION=0123abc",
	}
	cases := []struct {
		name, aws, cdk string
		wantErr        bool
		wantOut        []string
		wantReport     string
	}{
		{"differences reported", `echo "aws $*" >>"$LOG"`, `echo "cdk $*" >>"$LOG"; echo "Stack opencti-dev-Network"; echo "[~] AWS::EC2::VPC Vpc"`, false,
			[]string{"[~] AWS::EC2::VPC Vpc"}, "cdk diff of stage opencti-dev (0123abc)\n\nStack opencti-dev-Network\n[~] AWS::EC2::VPC Vpc\n"},
		{"no trust", `echo "aws $*" >>"$LOG"; exit 254`, `echo "cdk $*" >>"$LOG"`, true,
			[]string{"cannot assume arn:aws:iam::418227093651:role/cdk-hnb659fds-lookup-role-418227093651-eu-west-1: bootstrap the stage's account and region with --trust <tooling account>"}, ""},
		{"diff fails", `echo "aws $*" >>"$LOG"`, `echo "cdk $*" >>"$LOG"; echo "Unable to resolve AWS account" >&2; exit 1`, true,
			[]string{"Unable to resolve AWS account"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			log := filepath.Join(repo, "log")
			// The checkout: .tools with its CLI (the fake cdk), npm on PATH.
			tools := filepath.Join(repo, ".tools", "node_modules", ".bin")
			if err := os.MkdirAll(tools, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tools, "cdk"), []byte("#!/usr/bin/env bash\n"+tc.cdk), 0o755); err != nil {
				t.Fatal(err)
			}
			bin := fakeBin(t, map[string]string{"aws": tc.aws, "npm": `echo "npm $* in $(basename "$PWD")" >>"$LOG"`})
			out, err := runScript(t, "diff.sh", repo, bin, append(env, "LOG="+log)...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("exit error %v, want error %v\n%s", err, tc.wantErr, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			calls, _ := os.ReadFile(log)
			text := string(calls)
			if !strings.Contains(text, "aws sts assume-role --role-arn arn:aws:iam::418227093651:role/cdk-hnb659fds-lookup-role-418227093651-eu-west-1 --role-session-name opencti-ha-diff-preflight") {
				t.Errorf("no preflight assume-role:\n%s", text)
			}
			ranCdk := strings.Contains(text, "cdk diff --app cdk.out/assembly-opencti-dev --method=template --no-color --fail-on=never")
			if tc.name == "no trust" {
				if ranCdk || strings.Contains(text, "npm ") {
					t.Errorf("ran on without the trust:\n%s", text)
				}
				return
			}
			if !ranCdk || !strings.Contains(text, "npm ci --no-audit --no-fund --loglevel=error in .tools") {
				t.Errorf("calls:\n%s", text)
			}
			if tc.wantReport != "" {
				report, err := os.ReadFile(filepath.Join(repo, "diff-report", "cdk-diff.txt"))
				if err != nil || string(report) != tc.wantReport {
					t.Errorf("report = %q, %v; want %q", report, err, tc.wantReport)
				}
			}
		})
	}
}

// TestScriptsNeverTrace: neither script can print what it handles through
// shell tracing or an echo of the key.
func TestScriptsNeverTrace(t *testing.T) {
	for _, s := range []string{DiffScript, SmokeCheckScript} {
		data, err := os.ReadFile(filepath.Join("scripts", filepath.Base(s)))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if !strings.Contains(text, "set +x") || strings.Contains(text, "set -x") || strings.Contains(text, "set -o xtrace") {
			t.Errorf("%s must turn tracing off and never on", s)
		}
		for _, bad := range []string{`echo "$key"`, `echo $key`, `echo "$secret"`, `echo $secret`, "health_access_key=$key"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s contains %q", s, bad)
			}
		}
	}
}
