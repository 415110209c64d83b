package evaluator_test

import "github.com/flextime/flextime/schemas"

var schemasZero schemas.Fixed
