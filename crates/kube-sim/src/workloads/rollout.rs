//! Rolling-update arithmetic: how far a rollout may surge above, and dip below, the desired count.
//!
//! `maxSurge` and `maxUnavailable` are each an integer or a percentage of the desired replicas.
//! Kubernetes rounds a surge percentage **up** (so a rollout can always make progress) and an
//! unavailable percentage **down** (so availability never drops further than asked). When both
//! come out as zero the rollout could never move, so `maxUnavailable` becomes 1. Both default to
//! 25% when the Deployment does not set them.

use super::error::{Error, Result};
use k8s_openapi::{
    api::apps::v1::{Deployment, RollingUpdateDeployment},
    apimachinery::pkg::util::intstr::IntOrString,
};

/// The resolved bounds of a rolling update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fenceposts {
    /// How many pods may exist above the desired count.
    pub max_surge: i32,
    /// How many of the desired pods may be unavailable.
    pub max_unavailable: i32,
}

/// Resolves an integer or a percentage of `total`, rounding a percentage up or down.
///
/// # Errors
///
/// [`Error::InvalidIntOrPercent`] for a string that is not `<integer>%`.
pub fn scaled_value(value: &IntOrString, total: i32, round_up: bool, field: &str) -> Result<i32> {
    match value {
        IntOrString::Int(n) => Ok(*n),
        IntOrString::String(s) => {
            let invalid = || Error::InvalidIntOrPercent {
                field: field.to_string(),
                value: s.clone(),
            };
            let percent: i64 = s
                .strip_suffix('%')
                .ok_or_else(invalid)?
                .parse()
                .map_err(|_| invalid())?;
            let product = percent * i64::from(total);
            let scaled = if round_up {
                (product + 99).div_euclid(100)
            } else {
                product.div_euclid(100)
            };
            i32::try_from(scaled).map_err(|_| invalid())
        }
    }
}

/// The surge and unavailability bounds of a rolling update to `replicas` pods.
///
/// # Errors
///
/// [`Error::InvalidIntOrPercent`] when either field is a malformed string.
pub fn fenceposts(rolling: Option<&RollingUpdateDeployment>, replicas: i32) -> Result<Fenceposts> {
    let default = IntOrString::String("25%".into());
    let surge = rolling.and_then(|r| r.max_surge.as_ref()).unwrap_or(&default);
    let unavailable = rolling
        .and_then(|r| r.max_unavailable.as_ref())
        .unwrap_or(&default);
    let max_surge = scaled_value(surge, replicas, true, "spec.strategy.rollingUpdate.maxSurge")?.max(0);
    let mut max_unavailable = scaled_value(
        unavailable,
        replicas,
        false,
        "spec.strategy.rollingUpdate.maxUnavailable",
    )?
    .max(0);
    if max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    Ok(Fenceposts {
        max_surge,
        max_unavailable,
    })
}

/// The bounds for `deployment`. `Recreate` never overlaps old and new pods and counts no pod as
/// allowed to be unavailable, so both bounds are zero, as Kubernetes' `MaxSurge` and
/// `MaxUnavailable` helpers report for a non-rolling Deployment.
///
/// # Errors
///
/// [`Error::InvalidIntOrPercent`] when either field is a malformed string.
pub fn deployment_fenceposts(deployment: &Deployment) -> Result<Fenceposts> {
    let spec = &deployment.spec;
    let replicas = spec.replicas.unwrap_or(1);
    let strategy = spec.strategy.as_ref();
    if replicas == 0 {
        return Ok(Fenceposts {
            max_surge: 0,
            max_unavailable: 0,
        });
    }
    if strategy.and_then(|s| s.type_.as_deref()) == Some("Recreate") {
        return Ok(Fenceposts {
            max_surge: 0,
            max_unavailable: replicas,
        });
    }
    fenceposts(strategy.and_then(|s| s.rolling_update.as_ref()), replicas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru(surge: IntOrString, unavailable: IntOrString) -> RollingUpdateDeployment {
        RollingUpdateDeployment {
            max_surge: Some(surge),
            max_unavailable: Some(unavailable),
        }
    }

    fn pct(s: &str) -> IntOrString {
        IntOrString::String(s.into())
    }

    #[test]
    fn surge_rounds_up_and_unavailable_rounds_down() {
        // Kubernetes: 25% of 3 replicas is 0.75 -> surge 1, unavailable 0.
        let f = fenceposts(Some(&ru(pct("25%"), pct("25%"))), 3).unwrap();
        assert_eq!(
            f,
            Fenceposts {
                max_surge: 1,
                max_unavailable: 0
            }
        );
        let f = fenceposts(Some(&ru(pct("30%"), pct("30%"))), 10).unwrap();
        assert_eq!(
            f,
            Fenceposts {
                max_surge: 3,
                max_unavailable: 3
            }
        );
        let f = fenceposts(Some(&ru(pct("1%"), pct("99%"))), 10).unwrap();
        assert_eq!(
            f,
            Fenceposts {
                max_surge: 1,
                max_unavailable: 9
            }
        );
    }

    #[test]
    fn defaults_are_25_percent() {
        assert_eq!(
            fenceposts(None, 4).unwrap(),
            Fenceposts {
                max_surge: 1,
                max_unavailable: 1
            }
        );
    }

    #[test]
    fn both_zero_makes_unavailable_one() {
        // Kubernetes forces maxUnavailable to 1 so such a rollout can still progress.
        let f = fenceposts(Some(&ru(IntOrString::Int(0), IntOrString::Int(0))), 3).unwrap();
        assert_eq!(
            f,
            Fenceposts {
                max_surge: 0,
                max_unavailable: 1
            }
        );
        let f = fenceposts(Some(&ru(pct("0%"), pct("10%"))), 5).unwrap();
        assert_eq!(
            f,
            Fenceposts {
                max_surge: 0,
                max_unavailable: 1
            }
        );
    }

    #[test]
    fn integers_pass_through() {
        let f = fenceposts(Some(&ru(IntOrString::Int(1), IntOrString::Int(0))), 3).unwrap();
        assert_eq!(
            f,
            Fenceposts {
                max_surge: 1,
                max_unavailable: 0
            }
        );
    }

    #[test]
    fn malformed_percentages_are_errors_naming_the_field() {
        let err = fenceposts(Some(&ru(pct("lots"), pct("1%"))), 3).unwrap_err();
        assert!(err.to_string().contains("maxSurge"), "{err}");
    }
}
