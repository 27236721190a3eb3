// Package registry reads the analysts' list of administrative units (名册)
// and gives the hierarchy city → district → township → village/community.
package registry

import (
	_ "golang.org/x/text/encoding/simplifiedchinese"
)
