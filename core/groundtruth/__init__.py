"""SageMaker Ground Truth: 3D point cloud semantic segmentation, behind one small interface.

The modules split what needs AWS from what does not, so the rest of the app (and
`core.labels_io` reading ``.zlib`` label files) works without credentials or boto3 calls:

- `export`, `record`, `output` (decoding), `regions`, `request` (build + validate): no network.
- `s3`, `jobs`, `flow`: boto3 calls; run them in a worker thread from the GUI.

Importing this package imports nothing heavy; import the module you need.
"""
