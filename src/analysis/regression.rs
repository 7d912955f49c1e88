//! The least-squares line through points `(t, y)`, from running sums: what
//! `pp-totals --fail-if slope…` measures of the totals and what the leak
//! tracker measures of each stack.

/// Running sums of points `(t, y)`: n, Σt, Σt², Σy, Σty.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LeastSquares {
    /// Number of points.
    pub n: f64,
    /// Σt.
    pub sum_t: f64,
    /// Σt².
    pub sum_tt: f64,
    /// Σy.
    pub sum_y: f64,
    /// Σty.
    pub sum_ty: f64,
}

impl LeastSquares {
    /// Adds the point `(t, y)`.
    pub fn add(&mut self, t: f64, y: f64) {
        self.n += 1.0;
        self.sum_t += t;
        self.sum_tt += t * t;
        self.sum_y += y;
        self.sum_ty += t * y;
    }

    /// The slope of the line, per unit of `t`; `None` with fewer than two
    /// distinct `t`.
    pub fn slope(&self) -> Option<f64> {
        let denominator = self.n * self.sum_tt - self.sum_t * self.sum_t;
        (denominator > 0.0).then(|| (self.n * self.sum_ty - self.sum_t * self.sum_y) / denominator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case = (&'static [(f64, f64)], Option<f64>);

    #[test]
    fn slopes() {
        let cases: &[Case] = &[
            (&[], None),
            (&[(1.0, 5.0)], None),
            (&[(1.0, 5.0), (1.0, 7.0)], None),
            (&[(0.0, 0.0), (1.0, 2.0), (2.0, 4.0)], Some(2.0)),
            (&[(0.0, 3.0), (10.0, 3.0)], Some(0.0)),
            (&[(0.0, 4.0), (1.0, 0.0), (2.0, 2.0)], Some(-1.0)),
        ];
        for (points, expected) in cases {
            let mut sums = LeastSquares::default();
            for &(t, y) in *points {
                sums.add(t, y);
            }
            assert_eq!(sums.slope(), *expected, "{points:?}");
        }
    }
}
