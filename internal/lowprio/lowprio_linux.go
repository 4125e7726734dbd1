package lowprio

import "golang.org/x/sys/unix"

const supported = true

// lower sets the calling thread's nice value to 19; on Linux a nice value
// belongs to a thread, not to the whole process.
func lower() {
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19)
}
