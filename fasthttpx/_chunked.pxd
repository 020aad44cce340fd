# Cython declarations of the chunked decoder, so that `_parser.pyx` calls it through C
# (no Python-level call per feed). See `_chunked.pyx` and its twin `_chunked_py.py`.

# Decoder states (the same numbers in `_chunked_py.py`).
cdef enum:
    _SIZE = 0
    _DATA = 1
    _DATA_CR = 2
    _DATA_LF = 3
    _TRAILER = 4
    _DONE = 5
    _FAILED = 6

cdef class ChunkedDecoder:
    cdef int _state
    cdef bytearray _buf
    cdef unsigned long long _remaining
    cdef list _trailers
    cdef Py_ssize_t _section_size
    cdef bytes _unused
    cdef str _error
    cdef Py_ssize_t _max_line_size
    cdef Py_ssize_t _max_trailer_line_size
    cdef Py_ssize_t _max_trailer_count
    cdef Py_ssize_t _max_trailers_size
    cdef Py_ssize_t* _pieces       # (start, length) pairs of chunk data found in one feed
    cdef Py_ssize_t _pieces_cap    # capacity in pairs

    cdef int _fail(self, str message) except -1
    cdef bytes _feed(self, bytes data, Py_ssize_t pos)
    cdef bytes _decode(self, bytes data, Py_ssize_t pos)
    cdef int _add_piece(self, Py_ssize_t count, Py_ssize_t start, Py_ssize_t length) except -1
    cdef int _check_line_limits(self, Py_ssize_t n_line, Py_ssize_t n_total) except -1
    cdef int _on_line(self, const unsigned char* s, Py_ssize_t n) except -1
    cdef unsigned long long _parse_size_line(self, const unsigned char* s, Py_ssize_t n) except? 0
    cdef int _check_chunk_ext(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t i) except -1

cdef tuple parse_field_line(const unsigned char* s, Py_ssize_t n)
cdef object scan_field_line(const unsigned char* s, Py_ssize_t start, Py_ssize_t end,
                            Py_ssize_t max_n, Py_ssize_t* line_end)
