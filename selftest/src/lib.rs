//! The kit's own tests live in `tests/`: they prove that the pieces of the kit agree with
//! each other (see README.md, "For kit maintainers").
