#!/usr/bin/python3
"""An H.264 (or Motion JPEG) RTSP camera that is not SafeGrid's simulator: Debian's gst-rtsp-server.

Started by test/helpers/gst-rtsp.ts with /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-ugly for x264enc, -good for rtph264pay / rtpjpegpay). Listens on 127.0.0.1,
on a free port the kernel picks; prints `READY <port>` on stdout once it accepts connections.

  --codec h264|mjpeg   what the camera sends (H.264 baseline, a key frame every --gop frames)
  --digest USER:PASS   require RTSP Digest (RFC 2617, as gst-rtsp-server implements it)
  --path /stream       mount point (default /stream)
  --fps 15 --gop 15    frame rate and key-frame interval

The picture is videotestsrc's moving ball, so consecutive frames differ.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--codec", choices=["h264", "mjpeg"], default="h264")
    ap.add_argument("--digest", default=None)
    ap.add_argument("--path", default="/stream")
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--gop", type=int, default=15)
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=240)
    a = ap.parse_args()

    Gst.init(None)
    src = (
        f"videotestsrc is-live=true pattern=ball ! "
        f"video/x-raw,format=I420,width={a.width},height={a.height},framerate={a.fps}/1 ! "
    )
    if a.codec == "h264":
        enc = (
            f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={a.gop} ! "
            "video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1"
        )
    else:
        enc = "jpegenc quality=70 ! rtpjpegpay name=pay0 pt=26"

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(f"( {src}{enc} )")
    # Each client gets its own pipeline: its first frame is a key frame, as on a camera that starts
    # a session with an IDR (what the "first key frame in 0.22 s" of issue 16 measured).
    factory.set_shared(False)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)

    if a.digest:
        user, _, password = a.digest.partition(":")
        auth = GstRtspServer.RTSPAuth()
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_digest(user, password, token)
        server.set_auth(auth)
        perm = Gst.Structure.from_string("user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0]
        factory.add_role_from_structure(perm)

    server.get_mount_points().add_factory(a.path, factory)
    if server.attach(None) == 0:
        print("FAILED attach", flush=True)
        sys.exit(1)
    print(f"READY {server.get_bound_port()}", flush=True)

    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    signal.signal(signal.SIGINT, lambda *_: loop.quit())
    GLib.timeout_add(200, lambda: True)  # lets Python see signals while GLib waits
    loop.run()


if __name__ == "__main__":
    main()
