//! openidconnect's HTTP client: the shared [`Https`] client (the platform's roots plus the
//! provider's own CA when the kubeconfig names one), each request bounded by a timeout.

use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};

use crate::https::{Https, HttpsError};

/// How long one request to the provider may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A client for one provider.
#[derive(Clone)]
pub(super) struct Http(Https);

impl Http {
    /// A client that trusts the platform's roots and `ca` (PEM), if given.
    pub(super) fn new(ca: Option<&[u8]>) -> Result<Self, HttpsError> {
        Https::new(ca).map(Self)
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpsError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, HttpsError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.0.send(request, TIMEOUT))
    }
}
