package builtins

import (
	"testing"

	"github.com/sendgate/sendgate/internal/validate"
)

func TestEveryPositionOfAnAcceptedTextIsShared(t *testing.T) {
	if sharedPositions < validate.MaxTextRunes {
		t.Fatalf("%d shared position terms for texts of up to %d characters", sharedPositions, validate.MaxTextRunes)
	}
}
