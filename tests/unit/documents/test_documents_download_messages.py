"""The download's replies, serialized by hand, read back as protobuf writes and reads them."""
import pytest
from mes.documents.v1 import documents_pb2 as pb

from documents.api.download_messages import chunk_message


@pytest.mark.parametrize("size", [0, 1, 127, 128, 16_383, 16_384, 65_536, 1_000_000])
def test_a_chunk_message_is_the_protobuf_serialization(size):
    chunk = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert chunk_message(chunk) == pb.DownloadDocumentResponse(chunk=chunk).SerializeToString()
    assert pb.DownloadDocumentResponse.FromString(chunk_message(chunk)).chunk == chunk
