package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomManifest has names of every kind a clerk's file name or a unit code
// gives, and entries of every shape.
func randomManifest(r *rand.Rand) *manifest {
	parts := []string{"450102001001-2021-01-", "龙象社区", "新村报表(1)", "-unknown-", "a<b>&c", `q"uo\te`,
		"\x01ctl", "\xff\xfebad", "\u2028sep", "tab\t", "ok", "", "é", "𝄞"}
	m := &manifest{Version: manifestVersion, Feedback: map[string]manifestEntry{}}
	for range r.IntN(40) {
		name := ""
		for range 1 + r.IntN(4) {
			name += parts[r.IntN(len(parts))]
		}
		e := manifestEntry{Digest: []string{"ca4a14318e739e857834d7bb90bdf895", "", "x\"y"}[r.IntN(3)], Annotated: r.IntN(2) == 0}
		switch r.IntN(4) {
		case 1:
			e.Retry = &fileStamp{}
		case 2:
			e.Retry = &fileStamp{Exists: true, Size: r.Int64N(1 << 30), MTime: r.Int64() - 1<<62}
		case 3:
			e.Retry = &fileStamp{Exists: r.IntN(2) == 0, MTime: int64(r.IntN(3)) - 1}
		}
		m.Feedback[name+".xlsx"] = e
	}
	if r.IntN(3) > 0 {
		m.Buckets = map[string]string{}
		for range r.IntN(5) {
			m.Buckets[fmt.Sprintf("%03x", r.IntN(4096))] = []string{"0cc175b9c0f1b6a831c399e269772661", "", "\u00e9\"q"}[r.IntN(3)]
		}
	}
	return m
}

// TestManifestCodec: the manifest is written in json.MarshalIndent's very
// bytes and read back as encoding/json reads them; anything else is left
// to encoding/json.
func TestManifestCodec(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		m := randomManifest(r)
		if i == 0 {
			m.Feedback = map[string]manifestEntry{}
		}
		want, err := json.MarshalIndent(m, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		got := encodeManifest(m)
		if !bytes.Equal(got, want) {
			t.Fatalf("manifest %d encoded (-json +ours):\n%s", i, cmp.Diff(string(want), string(got)))
		}
		var viaJSON manifest
		if err := json.Unmarshal(want, &viaJSON); err != nil {
			t.Fatal(err)
		}
		for _, data := range [][]byte{want, append(want, '\n')} {
			back, ok := decodeManifest(data)
			if !ok {
				t.Fatalf("manifest %d: not read back:\n%s", i, data)
			}
			if d := cmp.Diff(&viaJSON, back, cmp.AllowUnexported(manifest{})); d != "" {
				t.Fatalf("manifest %d read back (-json +ours):\n%s", i, d)
			}
		}
	}
	// Other shapes of the same JSON: left to encoding/json.
	m := randomManifest(r)
	for m == nil || len(m.Feedback) == 0 {
		m = randomManifest(r)
	}
	compact, _ := json.Marshal(m)
	twoSpaces, _ := json.MarshalIndent(m, "", "  ")
	for _, data := range [][]byte{compact, twoSpaces, []byte("{}"), []byte(""), []byte("not json")} {
		if _, ok := decodeManifest(data); ok {
			t.Errorf("read %q as our own shape", data)
		}
	}
}

// FuzzDecodeManifest: whatever the hand-written reader accepts, encoding/json
// reads the same.
func FuzzDecodeManifest(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		data, _ := json.MarshalIndent(randomManifest(r), "", "\t")
		f.Add(data)
	}
	f.Add([]byte("{\n\t\"version\": 1,\n\t\"feedback\": {}\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, ok := decodeManifest(data)
		if !ok {
			return
		}
		var viaJSON manifest
		if err := json.Unmarshal(data, &viaJSON); err != nil {
			t.Fatalf("ours read %q, encoding/json refused it: %v", data, err)
		}
		if d := cmp.Diff(&viaJSON, m); d != "" {
			t.Fatalf("%q (-json +ours):\n%s", data, d)
		}
	})
}
