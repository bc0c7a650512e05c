package main

import (
	"strings"
	"testing"
)

// TestPackagesComeInListOrderOnce: the packages named first come first, and
// no package twice although ./... names it again.
func TestPackagesComeInListOrderOnce(t *testing.T) {
	pkgs, err := testPackages([]string{"../../../test/scale", "../../../..."}, "out")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 20 || !strings.HasSuffix(pkgs[0].importPath, "/test/scale") {
		t.Fatalf("%d packages, first %+v: want test/scale first of the module's test packages", len(pkgs), pkgs[0])
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		if seen[p.importPath] || seen[p.binary] {
			t.Errorf("%s (%s) listed twice", p.importPath, p.binary)
		}
		seen[p.importPath], seen[p.binary] = true, true
	}
}

// TestSameNamesGetDifferentFolders: `go test -c -o dir/` names a binary
// after the last import-path element, so two packages ending in the same
// element are built into different folders.
func TestSameNamesGetDifferentFolders(t *testing.T) {
	pkgs := []pkg{{importPath: "m/bin/configdoc"}, {importPath: "m/internal/configdoc"}, {importPath: "m/config"}, {importPath: "m/x/config"}, {importPath: "m/y/config"}}
	setBinaries(pkgs, "/out")
	var got []string
	for _, p := range pkgs {
		got = append(got, p.binary)
	}
	want := "/out/0/configdoc.test /out/1/configdoc.test /out/0/config.test /out/1/config.test /out/2/config.test"
	if strings.Join(got, " ") != want {
		t.Errorf("binaries %v, want %s", got, want)
	}
}

func TestWithoutVar(t *testing.T) {
	got := withoutVar([]string{"CDK_OUTDIR=x", "CDK_OUTDIR_OTHER=y", "HOME=/root"}, "CDK_OUTDIR")
	if strings.Join(got, " ") != "CDK_OUTDIR_OTHER=y HOME=/root" {
		t.Errorf("got %v", got)
	}
}
