#!/bin/sh
# /opt/hivemq/bin/run.sh, where HiveMQ's unit (ExecStart) expects HiveMQ's start script. HiveMQ's own
# run.sh starts bin/hivemq.jar; the CE jars on Maven Central are the embedded edition, whose
# server refuses every client without the distribution's allow-all extension, so this one starts
# the same launcher around EmbeddedHiveMQ as the namespace sandbox. The options are those of
# HiveMQ's run.sh for Java 11+ plus a small heap (many nodes share one machine); the image build
# fills them in from scripts/sandbox/broker.ts.
HIVEMQ_FOLDER=/opt/hivemq
exec java "-Dhivemq.home=$HIVEMQ_FOLDER" @JAVA_OPTS@ \
  -cp "$HIVEMQ_FOLDER/lib/launcher:$HIVEMQ_FOLDER/lib/*" deploytls.sandbox.Launcher
