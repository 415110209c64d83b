package migrations

import "io/fs"

func fsSub() (fs.FS, error) { return fs.Sub(files, "sql") }
