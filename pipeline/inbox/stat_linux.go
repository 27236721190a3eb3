package inbox

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// statAt is the size and modification time of the entry name of the open
// folder dir (at abs), not following a link: fstatat(2) relative to the
// folder, so that the kernel does not walk the inbox's path again for each
// file.
func statAt(dir *os.File, abs, name string) (int64, time.Time, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, time.Time{}, &os.PathError{Op: "lstat", Path: abs, Err: err}
	}
	return st.Size, time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)), nil
}
