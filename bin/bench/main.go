// Command bench measures what users wait for: a full-app synth (dev and prod
// profiles), rendering the manifests and, with -tests, the test suite; each
// against the same-run baseline of an empty one-stack CDK app with aws-cdk-lib's
// defaults, and beside the floor of that app without template validation
// (Node.js plus aws-cdk-lib only). It prints the median wall time of several
// runs, the peak memory (largest resident set of the process tree) and the
// ratio to the baseline.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/opencti-ha/opencti-ha/internal/nodepath"
)

type run struct {
	wall   time.Duration
	maxRSS int64 // KiB
}

type result struct {
	name string
	runs []run
}

func (r result) median() time.Duration {
	w := make([]time.Duration, len(r.runs))
	for i, x := range r.runs {
		w[i] = x.wall
	}
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	return w[len(w)/2]
}

func (r result) peakMiB() float64 {
	var m int64
	for _, x := range r.runs {
		m = max(m, x.maxRSS)
	}
	return float64(m) / 1024
}

func main() {
	runs := flag.Int("runs", 5, "runs per measurement (the median is reported)")
	tests := flag.Bool("tests", true, "also time one run of the test suite (go test -count=1 ./...)")
	scale := flag.Int("scale-runs", 3, "runs per connector count of the connector-scaling table (0: no table)")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "opencti-ha-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	bins := map[string]string{
		"emptyapp":   "./internal/bench/emptyapp",
		"opencti-ha": "./bin/opencti-ha",
		"render":     "./bin/render",
	}
	for name, pkg := range bins {
		out := filepath.Join(tmp, name)
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		check(build.Run())
		bins[name] = out
	}

	// Every measured process starts the Node.js make uses (.tools/node-path):
	// jsii-runtime-go starts `node` from PATH.
	nodeBin := filepath.Join(tmp, "node-bin")
	check(os.Mkdir(nodeBin, 0o755))
	nodePath, err := nodepath.Link(".", nodeBin)
	check(err)
	check(os.Setenv("PATH", nodeBin+string(os.PathListSeparator)+os.Getenv("PATH")))
	node, err := exec.Command(nodePath, "--version").Output()
	check(err)
	fmt.Printf("machine: %d cores, %s/%s, node %s (%s)\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, strings.TrimSpace(string(node)), nodePath)
	// measure runs args n times; a synth (env given) writes into a fresh
	// CDK_OUTDIR each time.
	outdirs := 0
	measure := func(name string, n int, args []string, env ...string) result {
		r := result{name: name}
		for i := 0; i < n; i++ {
			runEnv := env
			if len(env) > 0 {
				outdirs++
				runEnv = append(env[:len(env):len(env)], "CDK_OUTDIR="+filepath.Join(tmp, fmt.Sprintf("out-%d", outdirs)))
			}
			r.runs = append(r.runs, timeRun(args, runEnv))
		}
		return r
	}
	// Interleave nothing: each measurement runs back to back, baseline first.
	results := []result{
		measure("empty one-stack CDK app (CDK defaults)", *runs, []string{bins["emptyapp"]}, "CDK_CONTEXT_JSON={}"),
		measure("empty one-stack CDK app, no template validation (floor)", *runs, []string{bins["emptyapp"], "-no-validation"}, "CDK_CONTEXT_JSON={}"),
		measure("full app synth, dev", *runs, []string{bins["opencti-ha"]}, `CDK_CONTEXT_JSON={"env":"dev"}`),
		measure("full app synth, prod", *runs, []string{bins["opencti-ha"]}, `CDK_CONTEXT_JSON={"env":"prod"}`),
		measure("make render (examples/render.yaml)", *runs, []string{bins["render"], "-config", "examples/render.yaml", "-out", filepath.Join(tmp, "manifests")}),
	}
	if *tests {
		results = append(results, measure("test suite (go test ./...)", 1, []string{"go", "test", "-count=1", "./..."}))
	}
	base := results[0].median()
	fmt.Printf("\n| measurement | runs | median wall | peak memory | ratio to empty app |\n|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Printf("| %s | %d | %.2f s | %.0f MiB | %.2fx |\n", r.name, len(r.runs), r.median().Seconds(), r.peakMiB(), r.median().Seconds()/base.Seconds())
	}
	if *scale > 0 {
		connectorScaling(tmp, bins["opencti-ha"], *scale)
	}
}

func timeRun(args []string, env []string) run {
	cmd := exec.Command(args[0], args[1:]...)
	// Every test package synthesizes into its own folder: never share one.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CDK_OUTDIR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if out, err := cmd.Output(); err != nil {
		fmt.Fprintf(os.Stderr, "%v: %v\n%s", args, err, out)
		os.Exit(1)
	}
	wall := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss
	}
	return run{wall: wall, maxRSS: rss}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
