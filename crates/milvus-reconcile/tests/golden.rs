//! Golden files for `render` and `plan --output text` of the project's own fixtures (ours and
//! milvus-spec's), reviewed like code. `UPDATE_GOLDEN=1` rewrites them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use milvus_reconcile::plan::{Observed, PlanOptions, output};
use serde_json::json;

const SPEC_FIXTURES: [&str; 6] = [
    "cluster-groups.yaml",
    "external-deps.yaml",
    "kafka-secretref.yaml",
    "standalone-minimal.yaml",
    "standalone-status.yaml",
    "woodpecker-external.yaml",
];

const OWN_FIXTURES: [&str; 3] = [
    "cluster-default.yaml",
    "standalone-default.yaml",
    "cluster-2.5.16.yaml",
];

fn check(path: &Path, stem: &str) {
    let m = common::milvus_from(path);
    let r = common::rendered(&m);
    common::golden(&format!("{stem}.render.yaml"), &r.to_yaml().unwrap());
    let (_, p) = common::plan_against(&m, &Observed::new(), &PlanOptions::default());
    common::golden(&format!("{stem}.plan.txt"), &output::text(&p));
}

#[test]
fn render_and_plan_of_milvus_spec_fixtures() {
    for f in SPEC_FIXTURES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../milvus-spec/tests/fixtures")
            .join(f);
        check(&path, f.trim_end_matches(".yaml"));
    }
}

#[test]
fn render_and_plan_of_own_fixtures() {
    for f in OWN_FIXTURES {
        check(&common::fixture_path(f), f.trim_end_matches(".yaml"));
    }
}

#[test]
fn plan_of_the_move_from_2_5_16_into_2_6() {
    let old = common::milvus("cluster-2.5.16.yaml");
    let new = common::with(
        &old,
        json!({"spec": {"components": {"image": "milvusdb/milvus:v2.6.11"}}}),
    );
    let (_, p) = common::plan_against(&new, &common::rolled_out(&old), &PlanOptions::default());
    common::golden("upgrade-2.5.16-to-2.6.11.plan.txt", &output::text(&p));
    common::golden("upgrade-2.5.16-to-2.6.11.plan.json", &output::json(&p));
    common::golden("upgrade-2.5.16-to-2.6.11.plan.dot", &output::dot(&p));
    common::golden("upgrade-2.5.16-to-2.6.11.plan.mmd", &output::mermaid(&p));
}
