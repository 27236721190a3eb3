package form

import (
	_ "github.com/xuri/excelize/v2"
)
