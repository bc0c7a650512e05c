package handlerlib_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/opencti-ha/opencti-ha/internal/handlerlib"
	"github.com/opencti-ha/opencti-ha/internal/nodepath"
)

// leftRe is a require of a shared file that Inline did not replace.
var leftRe = regexp.MustCompile(`require\(\s*['"][./]*internal/handlerlib/`)

// TestInlinedHandlersLoadAlone builds the inline code of every handler under
// constructs/ that requires a shared file, as the constructs do, writes it
// alone into an empty folder as index.js (what Lambda does with inline code)
// and has Node.js load it with the SDK clients the tools pin: nothing may be
// left to require by relative path, and the handlers' exports must be there.
func TestInlinedHandlersLoadAlone(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "constructs", "*", "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(f, ".test.js") && strings.Contains(string(b), "internal/handlerlib/") {
			users = append(users, f)
		}
	}
	want := []string{"constructs/opensearch/auditlog.js", "constructs/recovery/restore.js", "constructs/recovery/snapshots.js", "constructs/upgradesnapshot/handler.js"}
	var got []string
	for _, f := range users {
		rel, _ := filepath.Rel(root, f)
		got = append(got, filepath.ToSlash(rel))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("handlers that require a shared file: %v, want %v", got, want)
	}
	node, err := nodepath.Find(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range users {
		b, _ := os.ReadFile(f)
		code := handlerlib.Inline(string(b))
		if leftRe.MatchString(code) {
			t.Errorf("%s: a shared require is left in the inline code", f)
		}
		dir := t.TempDir()
		index := filepath.Join(dir, "index.js")
		if err := os.WriteFile(index, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(node, "-e", `const h = require(process.argv[1]);
const fns = ['onEvent', 'isComplete', 'handler'].filter((n) => typeof h[n] === 'function');
if (fns.length === 0) throw new Error('no handler exported');
console.log(fns.join(','));`, index)
		cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(root, ".tools", "node_modules"), "AWS_REGION=eu-west-1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s inlined does not load alone: %v\n%s", f, err, out)
			continue
		}
		t.Logf("%s: exports %s", filepath.Base(f), strings.TrimSpace(string(out)))
	}
}

func TestInlineReplacesOnlySharedRequires(t *testing.T) {
	src := "const https = require('node:https');\nconst d = require('../../internal/handlerlib/opensearch.js');\n"
	got := handlerlib.Inline(src)
	if !strings.HasPrefix(got, "const https = require('node:https');\nconst d = ((module) => {\n") {
		t.Errorf("Inline changed what it must keep, or did not wrap the module:\n%.200s", got)
	}
	if !strings.Contains(got, strings.TrimRight(handlerlib.OpenSearch, "\n")+"\nreturn module.exports;\n})({ exports: {} });\n") {
		t.Error("Inline did not put opensearch.js in place of its require")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"missing.js"`) {
			t.Errorf("Inline of an unknown shared file: recovered %v, want a panic naming it", r)
		}
	}()
	handlerlib.Inline("require('../../internal/handlerlib/missing.js')")
}
