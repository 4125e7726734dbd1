package load

import (
	"os"
	"testing"
)

func TestProcessFigures(t *testing.T) {
	for i := 0; i < 1e7; i++ { // use some CPU
		_ = i * i
	}
	if d, err := ProcessCPU(os.Getpid()); err != nil || d < 0 {
		t.Errorf("ProcessCPU = %v, %v", d, err)
	}
	if d, err := SelfCPU(); err != nil || d <= 0 {
		t.Errorf("SelfCPU = %v, %v", d, err)
	}
	m, err := ProcessMemory(os.Getpid())
	if err != nil || m.RSSKiB <= 0 || m.PeakKiB < m.RSSKiB {
		t.Errorf("ProcessMemory = %+v, %v", m, err)
	}
	if _, err := ProcessCPU(-1); err == nil {
		t.Error("ProcessCPU of no process should fail")
	}
}
