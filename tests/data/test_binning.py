"""CaloChallenge binning: the DS1-photon layout and a user's binning XML."""

import numpy as np
import pytest

from qhep.data.binning import read_binning_xml
from qhep.data.showers import MATERIALS, generate_showers
from qhep.errors import SchemaError

XML = """<Bins>
  <Bin pid="22" name="photon">
    <Layer id="0" r_edges="0,5,10,30" n_bin_alpha="1"/>
    <Layer id="1" r_edges="0,2,4,8,16" n_bin_alpha="4"/>
    <Layer id="2" r_edges="0" n_bin_alpha="1"/>
    <Layer id="3" r_edges="0,50,100" n_bin_alpha="1"/>
  </Bin>
  <Bin pid="211" name="pion"><Layer id="0" r_edges="0,1" n_bin_alpha="1"/></Bin>
</Bins>"""


def test_ds1_photon_layout():
    s = generate_showers(2000, (10, 100), geometry_name="ds1-photon", seed=1)
    assert s.showers_mev.shape == (2000, 368)  # as CaloChallenge dataset 1 photons
    assert s.geometry.layer_voxels == (8, 160, 190, 5, 5)
    attrs = s.file_attributes()
    assert [b["layer"] for b in attrs["layer_bins"]] == [0, 1, 2, 3, 12]
    assert attrs["layer_bins"][1]["r_edges_mm"][-1] == pytest.approx(200.0)
    # angular bins of a symmetric shower share a ring's energy equally on average
    layer1 = s.showers_mev[:, 8:168].reshape(2000, 10, 16)
    per_alpha = layer1[:, :, :3].sum((0, 2))
    np.testing.assert_allclose(per_alpha / per_alpha.mean(), 1, atol=0.03)


def test_user_xml(tmp_path):
    path = tmp_path / "binning.xml"
    path.write_text(XML)
    geo = read_binning_xml(path, particle="photon")
    assert geo.layer_ids == (0, 1, 3) and geo.layer_voxels == (3, 16, 2)
    assert geo.bins(1)[0][1] == pytest.approx(2 / MATERIALS["pbwo4"].rm_mm)
    s = generate_showers(500, (20, 20), geometry_obj=geo, seed=2)
    assert s.showers_mev.shape == (500, 21)
    with pytest.raises(SchemaError, match="particle 'electron' not found"):
        read_binning_xml(path, particle="electron")
    bad = tmp_path / "bad.xml"
    bad.write_text(XML.replace("0,2,4,8,16", "0,4,2"))
    with pytest.raises(SchemaError, match="id=1.*increase"):
        read_binning_xml(bad)
