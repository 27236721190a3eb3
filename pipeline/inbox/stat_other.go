//go:build !linux

package inbox

import (
	"os"
	"time"
)

// statAt is the size and modification time of the entry name of the open
// folder dir (at abs), not following a link.
func statAt(_ *os.File, abs, _ string) (int64, time.Time, error) {
	info, err := os.Lstat(abs)
	if err != nil {
		return 0, time.Time{}, err
	}
	return info.Size(), info.ModTime(), nil
}
