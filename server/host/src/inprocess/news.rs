//! News between an in-process host and its client, handed over directly: the host's through
//! [`NewsSink`](super::NewsSink), the client's own segments and descriptors queued here for the
//! host to take in.

use napi_link::shm::OwnedDescriptor;
use napi_runtime::pending;
use napi_runtime::sync::lock;

use crate::Host;

use super::share::{ClientNews, InProcess};

impl InProcess {
    /// Queues the news of a client segment for the host, which takes it in before anything it
    /// reads or serves next.
    pub fn client_segment(&self, id: u32, size: u64, fd: OwnedDescriptor) {
        self.queue(ClientNews::Segment { id, size, fd });
    }

    /// Queues a descriptor the client passes for its addons (`js.descriptor`), as `id`.
    pub fn client_descriptor(&self, id: u32, fd: OwnedDescriptor) {
        self.queue(ClientNews::Descriptor { id, fd });
    }

    /// Queues the news that the client unmapped its segment `id`.
    pub fn client_segment_retired(&self, id: u32) {
        self.queue(ClientNews::Retired(id));
    }

    fn queue(&self, news: ClientNews) {
        let mut queued = lock(&self.client_news);
        queued.push(news);
        // Set while the list is locked: a taker clears the bit before it locks the list, so it
        // either takes this news or finds the bit set again.
        self.pending.set(pending::CLIENT_NEWS);
    }

    /// The client's news, for the JS lock's holder.
    fn take_client_news(&self) -> Vec<ClientNews> {
        if !self.pending.take(pending::CLIENT_NEWS) {
            return Vec::new();
        }
        std::mem::take(&mut *lock(&self.client_news))
    }

    /// Takes in what the client queued: its segments mapped, its retired ones let go.
    #[inline]
    pub(crate) fn take_in_client_news(&self, host: &Host) {
        // A look first: nearly always there is nothing, and this is on every request.
        if self.pending.any(pending::CLIENT_NEWS) {
            self.take_in_queued_news(host);
        }
    }

    #[cold]
    fn take_in_queued_news(&self, host: &Host) {
        for news in self.take_client_news() {
            match news {
                ClientNews::Segment { id, size, fd } => host.add_client_segment(id, size, fd),
                ClientNews::Retired(id) => host.rt.shm().remove_peer(id),
                ClientNews::Descriptor { id, fd } => host.add_client_descriptor(id, fd),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::share::tests::NoNews;
    use super::*;

    /// The client's news sets the word's `CLIENT_NEWS` (from the client's thread): a direct
    /// call takes news in only when it is set.
    #[test]
    fn client_news_is_flagged_until_taken() {
        let shared = InProcess::new(Box::new(NoNews)).unwrap();
        assert!(!shared.pending.any(pending::CLIENT_NEWS));
        std::thread::scope(|s| {
            s.spawn(|| shared.client_segment_retired(3));
        });
        assert!(shared.pending.any(pending::CLIENT_NEWS));
        assert_eq!(shared.take_client_news().len(), 1);
        assert!(!shared.pending.any(pending::CLIENT_NEWS), "cleared as it is taken");
        assert!(shared.take_client_news().is_empty());
    }
}
