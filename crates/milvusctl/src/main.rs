//! `milvusctl`: the command line for Milvus on Kubernetes. See `milvusctl --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = milvusctl::run(
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}
