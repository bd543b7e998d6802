# Two models, two optimizers, one loss into both: each optimizer is cleared before the joint
# backward, so both steps read its gradients (the zero_grad of one does not clear the other).
import torch

encoder = torch.nn.Linear(4, 2)
decoder = torch.nn.Linear(2, 4)
opt_enc = torch.optim.Adam(encoder.parameters())
opt_dec = torch.optim.Adam(decoder.parameters())

for x in torch.randn(10, 8, 4):
    opt_enc.zero_grad()
    opt_dec.zero_grad()
    loss = torch.nn.functional.mse_loss(decoder(encoder(x)), x)
    loss.backward()
    opt_enc.step()
    encoder.zero_grad()
    opt_dec.step()
