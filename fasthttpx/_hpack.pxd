# cython: language_level=3
"""C-level interface of the compiled HPACK coder, for `_h2core.pyx`."""


cdef class Decoder:
    cdef public Py_ssize_t max_header_list_size
    cdef readonly Py_ssize_t max_allowed_table_size
    cdef readonly Py_ssize_t table_size
    cdef list _ring  # entries (name, value); the newest at _head - 1
    cdef Py_ssize_t _cap, _head, _count, _used
    cdef unsigned char* _buf  # scratch for Huffman-decoded strings
    cdef Py_ssize_t _buf_cap

    cdef list decode_ptr(self, const unsigned char* data, Py_ssize_t size)
    cdef tuple _field(self, Py_ssize_t index)
    cdef void _add(self, object name, object value, Py_ssize_t size)
    cdef void _evict(self, Py_ssize_t room)
    cdef bytes _string(self, const unsigned char* data, Py_ssize_t* position, Py_ssize_t end)


cdef class Encoder:
    cdef object _entries  # deque of (name, value, seq), the oldest first
    cdef dict _field_seq  # (name, value) -> seq of its newest entry
    cdef dict _name_seq  # name -> seq of its newest entry
    cdef Py_ssize_t _next_seq, _used, _size
    cdef bint _pending_update
    cdef unsigned char* _out  # the block being encoded
    cdef Py_ssize_t _out_len, _out_cap

    cpdef bytes encode(self, list headers)
    cdef void _evict(self, Py_ssize_t room)
    cdef int _reserve(self, Py_ssize_t extra) except -1
    cdef int _integer(self, size_t value, int prefix_bits, unsigned char first) except -1
    cdef int _string(self, bytes value) except -1
