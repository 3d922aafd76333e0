//! A deterministic embedder with no model behind it: feature hashing of lower-cased words
//! into `dims` buckets, L2-normalised. Texts that share words point the same way, so
//! retrieval over it behaves like a (crude) lexical model. Used by tests, benchmarks and the
//! fake Ollama server.

use crate::{BoxFuture, Embedder, LlmError};

#[derive(Debug, Clone)]
pub struct HashEmbedder {
    model: String,
    dims: usize,
}

impl HashEmbedder {
    pub fn new(model: impl Into<String>, dims: usize) -> Self {
        Self {
            model: model.into(),
            dims: dims.max(1),
        }
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The vector for one text: the same text always gives the same bits.
    pub fn vector(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0f32; self.dims];
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let h = fnv1a(word.to_lowercase().as_bytes());
            let bucket = (h % self.dims as u64) as usize;
            let sign = if (h >> 63) == 0 { 1.0 } else { -1.0 };
            v[bucket] += sign;
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        } else {
            // An empty text still gets a unit vector, as real models return one.
            v[0] = 1.0;
        }
        v
    }
}

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Embedder for HashEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    fn embed<'a>(&'a self, inputs: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(async move { Ok(inputs.iter().map(|t| self.vector(t)).collect()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_unit_vector() {
        let e = HashEmbedder::new("hash", 64);
        let a = e.vector("Docker compose restart policy");
        assert_eq!(a, e.vector("Docker compose restart policy"));
        let norm: f32 = a.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(e.vector("").len(), 64);
    }
}
