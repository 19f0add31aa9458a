//! Requests per second through the in-process service (filled in below).

fn main() {}
